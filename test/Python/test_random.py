"""terra's random numbers: the Philox stream of the dialect's random ops,
generator state, and the distributions' properties."""

import importlib.util
import os
import unittest

import numpy as np

import terra


def _load_philox():
    """The reference Philox of the dialect's tests (test/Execution/Inputs),
    loaded by path so that its folder does not shadow our modules."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "Execution", "Inputs", "philox.py")
    spec = importlib.util.spec_from_file_location("philox", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


philox = _load_philox()


def state(generator=None):
    key, counter = (generator or terra.default_generator).get_state().tolist()
    return key % 2**64, counter % 2**64


class StreamTest(unittest.TestCase):
    """Draws equal the reference Philox-4x32-10 at the generator's key and
    counter, and the counter advances by the number of elements."""

    def test_rand_is_the_reference_uniform(self):
        for seed in (0, 1, 1234, 2**64 - 1):
            with self.subTest(seed=seed):
                terra.manual_seed(seed)
                np.testing.assert_array_equal(
                    terra.rand(2, 3).numpy(),
                    philox.uniform(seed, 0, 6).reshape(2, 3))
                self.assertEqual(state(), (seed, 6))

    def test_randn_is_the_reference_normal(self):
        terra.manual_seed(7)
        terra.rand(5)
        np.testing.assert_allclose(terra.randn(40).numpy(),
                                   philox.normal(7, 5, 40), rtol=1e-5,
                                   atol=1e-5)
        self.assertEqual(state(), (7, 45))

    def test_float64_draws(self):
        terra.manual_seed(3)
        np.testing.assert_array_equal(
            terra.rand(8, dtype=terra.float64).numpy(),
            philox.uniform(3, 0, 8, dtype=np.float64))
        np.testing.assert_allclose(
            terra.randn(8, dtype=terra.float64).numpy(),
            philox.normal(3, 8, 8, dtype=np.float64), rtol=1e-12, atol=1e-12)

    def test_bernoulli_is_the_reference(self):
        probs = np.linspace(0, 1, 33).astype(np.float32)
        terra.manual_seed(11)
        terra.rand(2)
        drawn = terra.bernoulli(terra.tensor(probs))
        np.testing.assert_array_equal(drawn.numpy(),
                                      philox.bernoulli(11, 2, probs))
        self.assertEqual(state(), (11, 35))

    def test_in_place_draws_follow_the_stream(self):
        terra.manual_seed(5)
        x = terra.empty(4, 2)
        self.assertIs(x.uniform_(-2, 3), x)
        np.testing.assert_allclose(x.numpy().ravel(),
                                   philox.uniform(5, 0, 8, -2.0, 3.0),
                                   rtol=1e-6)
        x.normal_(1.0, 0.5)
        np.testing.assert_allclose(x.numpy().ravel(),
                                   philox.normal(5, 8, 8, 1.0, 0.5),
                                   rtol=1e-5, atol=1e-5)
        x.bernoulli_(0.25)
        np.testing.assert_array_equal(
            x.numpy().ravel(), philox.bernoulli(5, 16, np.full(8, 0.25)))
        self.assertEqual(state(), (5, 24))

    def test_next_key_counter_reserves_the_stream(self):
        terra.manual_seed(2**64 - 2)
        key, counter = terra.random.next_key_counter(10)
        self.assertEqual((key, counter), (-2, 0))  # int64 two's complement
        self.assertEqual(state(), (2**64 - 2, 10))
        np.testing.assert_array_equal(terra.rand(3).numpy(),
                                      philox.uniform(2**64 - 2, 10, 3))

    def test_counter_wraps_modulo_2_64(self):
        g = terra.Generator()
        g.set_state(terra.tensor([9, -2]))  # counter 2**64 - 2
        np.testing.assert_array_equal(
            terra.rand(4, generator=g).numpy(),
            philox.uniform(9, 2**64 - 2, 4))
        self.assertEqual(state(g), (9, 2))


class GeneratorTest(unittest.TestCase):
    def test_same_seed_same_numbers(self):
        terra.manual_seed(42)
        first = [terra.rand(5), terra.randn(3), terra.randint(0, 9, (4,)),
                 terra.randperm(7)]
        terra.manual_seed(42)
        second = [terra.rand(5), terra.randn(3), terra.randint(0, 9, (4,)),
                  terra.randperm(7)]
        for a, b in zip(first, second):
            self.assertTrue(a.equal(b))
        self.assertFalse(terra.rand(5).equal(first[0]))

    def test_generators_are_independent(self):
        terra.manual_seed(1)
        g = terra.Generator().manual_seed(1)
        a = terra.rand(4, generator=g)
        self.assertEqual(state(), (1, 0))
        self.assertTrue(terra.rand(4).equal(a))
        self.assertEqual(g.initial_seed(), 1)

    def test_state_round_trip(self):
        terra.manual_seed(9)
        terra.rand(3)
        saved = terra.get_rng_state()
        self.assertEqual(saved.dtype, terra.int64)
        a = terra.randn(6)
        terra.set_rng_state(saved)
        self.assertTrue(terra.randn(6).equal(a))
        # The 16 bytes key, counter (little-endian) are accepted too.
        terra.default_generator.set_state(
            np.array([9, 3], dtype="<u8").view(np.uint8))
        self.assertTrue(terra.randn(6).equal(a))
        with self.assertRaises(RuntimeError):
            terra.set_rng_state(terra.zeros(5))

    def test_fork_rng_restores(self):
        terra.manual_seed(4)
        with terra.random.fork_rng():
            terra.rand(10)
        self.assertEqual(state(), (4, 0))

    def test_seed_and_initial_seed(self):
        value = terra.seed()
        self.assertEqual(terra.initial_seed(), value)
        self.assertEqual(state(), (value, 0))
        self.assertIs(terra.manual_seed(3), terra.default_generator)
        self.assertEqual(terra.initial_seed(), 3)


class DistributionTest(unittest.TestCase):
    def setUp(self):
        terra.manual_seed(2024)

    def test_uniform_and_normal_moments(self):
        u = terra.rand(100000).numpy().astype(np.float64)
        self.assertTrue((u >= 0).all() and (u < 1).all())
        self.assertAlmostEqual(u.mean(), 0.5, delta=0.005)
        self.assertAlmostEqual(u.std(), 12 ** -0.5, delta=0.005)
        n = terra.randn(100000).numpy().astype(np.float64)
        self.assertAlmostEqual(n.mean(), 0.0, delta=0.015)
        self.assertAlmostEqual(n.std(), 1.0, delta=0.015)
        m = terra.normal(2.0, 3.0, (100000,)).numpy()
        self.assertAlmostEqual(m.mean(), 2.0, delta=0.05)
        self.assertAlmostEqual(m.std(), 3.0, delta=0.05)
        b = terra.bernoulli(terra.full((100000,), 0.3)).numpy()
        self.assertAlmostEqual(b.mean(), 0.3, delta=0.01)

    def test_normal_with_tensors(self):
        mean = terra.tensor([0.0, 100.0, -100.0])
        out = terra.normal(mean, 1e-3)
        np.testing.assert_allclose(out.numpy(), mean.numpy(), atol=0.01)
        out = terra.normal(terra.zeros(2, 3), terra.zeros(3))
        self.assertEqual(tuple(out.shape), (2, 3))
        np.testing.assert_array_equal(out.numpy(), 0)
        self.assertEqual(terra.normal(0.0, terra.ones(4, dtype=terra.float64))
                         .dtype, terra.float64)
        with self.assertRaises(RuntimeError):
            terra.normal(0.0, -1.0, (3,))

    def test_randint(self):
        values = terra.randint(-3, 5, (20000,))
        self.assertEqual(values.dtype, terra.int64)
        self.assertEqual(sorted(set(values.tolist())), list(range(-3, 5)))
        counts = np.bincount(values.numpy() + 3)
        self.assertLess(abs(counts / 20000 - 1 / 8).max(), 0.02)
        self.assertEqual(tuple(terra.randint(10, (2, 3)).shape), (2, 3))
        self.assertEqual(terra.randint(3, size=(4,), dtype=terra.int32).dtype,
                         terra.int32)
        self.assertEqual(terra.randint(0, 5, (3,), dtype=terra.float32).dtype,
                         terra.float32)
        big = terra.randint(0, 2**62, (1000,)).numpy()
        self.assertTrue((big >= 0).all() and (big < 2**62).all())
        self.assertGreater(big.max(), 2**61)
        like = terra.randint_like(terra.zeros(2, 2), 3, 4)
        np.testing.assert_array_equal(like.numpy(), 3)
        self.assertEqual(like.dtype, terra.float32)
        with self.assertRaises(RuntimeError):
            terra.randint(5, 5, (2,))

    def test_randperm(self):
        for n in (0, 1, 2, 10, 5000):
            p = terra.randperm(n)
            self.assertEqual(p.dtype, terra.int64)
            self.assertEqual(sorted(p.tolist()), list(range(n)))
        self.assertNotEqual(terra.randperm(100).tolist(), list(range(100)))
        firsts = [terra.randperm(4)[0].item() for _ in range(400)]
        self.assertEqual(set(firsts), {0, 1, 2, 3})

    def test_multinomial(self):
        weights = terra.tensor([1.0, 0.0, 3.0])
        drawn = terra.multinomial(weights, 4000, replacement=True).numpy()
        self.assertNotIn(1, drawn)
        self.assertAlmostEqual((drawn == 2).mean(), 0.75, delta=0.03)
        rows = terra.multinomial(terra.ones(3, 5), 5)
        self.assertEqual(tuple(rows.shape), (3, 5))
        for row in rows.tolist():
            self.assertEqual(sorted(row), list(range(5)))
        self.assertEqual(sorted(weights.multinomial(2).tolist()), [0, 2])
        with self.assertRaises(RuntimeError):
            terra.multinomial(weights, 3)
        with self.assertRaises(RuntimeError):
            terra.multinomial(terra.tensor([1.0, -1.0]), 1)

    def test_like_and_shapes(self):
        x = terra.zeros(2, 3, dtype=terra.float64)
        self.assertEqual(terra.rand_like(x).dtype, terra.float64)
        self.assertEqual(tuple(terra.randn_like(x).shape), (2, 3))
        for args in ((2, 3), ((2, 3),), ([2, 3],)):
            self.assertEqual(tuple(terra.rand(*args).shape), (2, 3))
        self.assertEqual(tuple(terra.rand(size=(4,)).shape), (4,))
        self.assertEqual(tuple(terra.rand(()).shape), ())
        self.assertTrue(terra.randn(3, requires_grad=True).requires_grad)

    def test_in_place_methods(self):
        x = terra.zeros(1000, dtype=terra.int64)
        x.random_(3, 7)
        self.assertEqual(sorted(set(x.tolist())), [3, 4, 5, 6])
        x.random_(2)
        self.assertEqual(sorted(set(x.tolist())), [0, 1])
        b = terra.zeros(1000, dtype=terra.bool).bernoulli_(0.5)
        self.assertEqual(b.dtype, terra.bool)
        self.assertTrue(0.4 < b.float().mean().item() < 0.6)
        p = terra.tensor([0.0, 1.0]).expand(3, 2)
        np.testing.assert_array_equal(terra.empty(3, 2).bernoulli_(p).numpy(),
                                      p.numpy())
        e = terra.empty(10000).exponential_(2.0).numpy()
        self.assertAlmostEqual(e.mean(), 0.5, delta=0.03)
        g = terra.Generator().manual_seed(0)
        a = terra.empty(3).uniform_(generator=g)
        self.assertTrue(a.equal(terra.rand(3, generator=g.manual_seed(0))))

    def test_errors(self):
        with self.assertRaises(RuntimeError):
            terra.rand(3, dtype=terra.int64)
        with self.assertRaises(RuntimeError):
            terra.zeros(3, dtype=terra.int64).normal_()
        with self.assertRaises(RuntimeError):
            terra.bernoulli(terra.tensor([0.5, 1.5]))
        with self.assertRaises(RuntimeError):
            terra.empty(2).bernoulli_(-0.1)
        with self.assertRaises(RuntimeError):
            terra.empty(2).uniform_(1, 0)
        with self.assertRaises(RuntimeError):
            terra.randperm(-1)


if __name__ == "__main__":
    unittest.main()
