"""terra.optim against torch.optim 1.13: every optimizer over several steps
from identical parameters and gradients, state dicts, param groups, and
the learning-rate schedulers' sequences."""

import pickle
import unittest
import warnings

import numpy as np
import torch

import terra
import terra.optim as optim
from terra.optim import lr_scheduler

from reference import sample

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def make_params():
    arrays = [sample(shape, "float32") for shape in SHAPES]
    ours = [terra.nn.Parameter(terra.tensor(a)) for a in arrays]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    return ours, theirs


def set_grads(ours, theirs, step, skip=None):
    rng = np.random.default_rng(100 + step)
    for i, (p, q) in enumerate(zip(ours, theirs)):
        if i == skip:
            p.grad = q.grad = None
            continue
        g = rng.standard_normal(tuple(p.shape)).astype("f4")
        p.grad = terra.tensor(g)
        q.grad = torch.tensor(g)


def assert_params_close(test, ours, theirs, what, rtol=1e-5, atol=1e-6):
    for i, (p, q) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(),
                                   rtol=rtol, atol=atol,
                                   err_msg="%s: param %d" % (what, i))


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1,
                     initial_accumulator_value=0.5)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1)),
]

STEPS = 6


class OptimizerTest(unittest.TestCase):
    def test_updates_match_torch(self):
        for name, kwargs in CONFIGS:
            with self.subTest(optimizer=name, **kwargs):
                ours, theirs = make_params()
                opt_ours = getattr(optim, name)(ours, **kwargs)
                opt_theirs = getattr(torch.optim, name)(theirs, **kwargs)
                for step in range(STEPS):
                    # The middle parameter gets no gradient on one step.
                    set_grads(ours, theirs, step, skip=1 if step == 2 else None)
                    opt_ours.step()
                    opt_theirs.step()
                    assert_params_close(self, ours, theirs, "step %d" % step)
                for p in ours:
                    self.assertTrue(p.is_leaf)
                    self.assertIsNone(p.grad_fn)

    def test_param_groups(self):
        ours, theirs = make_params()
        opt_ours = optim.SGD([{"params": ours[:2]},
                              {"params": ours[2:], "lr": 0.5, "momentum": 0.0}],
                             lr=0.1, momentum=0.9)
        opt_theirs = torch.optim.SGD([{"params": theirs[:2]},
                                      {"params": theirs[2:], "lr": 0.5,
                                       "momentum": 0.0}], lr=0.1, momentum=0.9)
        self.assertEqual(opt_ours.param_groups[1]["lr"], 0.5)
        self.assertEqual(opt_ours.param_groups[1]["dampening"], 0)
        for step in range(3):
            set_grads(ours, theirs, step)
            opt_ours.step()
            opt_theirs.step()
        assert_params_close(self, ours, theirs, "groups")
        extra = terra.nn.Parameter(terra.ones(2))
        opt_ours.add_param_group({"params": extra, "lr": 1.0})
        self.assertEqual(len(opt_ours.param_groups), 3)
        self.assertIs(opt_ours.param_groups[2]["params"][0], extra)
        with self.assertRaises(ValueError):
            opt_ours.add_param_group({"params": [extra]})
        self.assertEqual(
            repr(opt_ours).splitlines()[:3],
            ["SGD (", "Parameter Group 0", "    dampening: 0"])

    def test_errors(self):
        p = terra.nn.Parameter(terra.ones(2))
        with self.assertRaises(TypeError):
            optim.SGD(p, lr=0.1)
        with self.assertRaises(ValueError):
            optim.SGD([], lr=0.1)
        with self.assertRaises(ValueError):
            optim.SGD([p], lr=-1)
        with self.assertRaises(ValueError):
            optim.SGD([p])  # lr is required
        with self.assertRaises(ValueError):
            optim.Adam([p], betas=(1.0, 0.9))
        with self.assertRaises(ValueError):
            optim.SGD([p * 2], lr=0.1)  # non-leaf

    def test_zero_grad(self):
        ours, theirs = make_params()
        opt = optim.Adam(ours)
        set_grads(ours, theirs, 0)
        opt.zero_grad(set_to_none=False)
        self.assertTrue(all(p.grad.abs().sum().item() == 0 for p in ours))
        opt.zero_grad()
        self.assertTrue(all(p.grad is None for p in ours))

    def test_closure(self):
        w = terra.nn.Parameter(terra.tensor([2.0]))
        opt = optim.SGD([w], lr=0.25)

        def closure():
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss

        self.assertEqual(opt.step(closure).item(), 4.0)
        self.assertEqual(w.tolist(), [1.0])

    def test_state_dict_round_trip(self):
        for name, kwargs in (("SGD", dict(lr=0.1, momentum=0.9)),
                             ("Adam", dict(lr=0.01, amsgrad=True)),
                             ("AdamW", dict(lr=0.01)), ("RMSprop", dict(momentum=0.2)),
                             ("Adagrad", dict()), ("Adadelta", dict())):
            with self.subTest(optimizer=name):
                ours, theirs = make_params()
                first = getattr(optim, name)(ours, **kwargs)
                reference = getattr(torch.optim, name)(theirs, **kwargs)
                for step in range(2):
                    set_grads(ours, theirs, step)
                    first.step()
                    reference.step()
                state = first.state_dict()
                self.assertEqual(sorted(state["state"].keys()), [0, 1, 2])
                self.assertEqual(state["param_groups"][0]["params"], [0, 1, 2])
                expected = reference.state_dict()
                self.assertEqual(sorted(state["state"][0]),
                                 sorted(expected["state"][0]))
                # torch 2's extra group keys (differentiable, fused) too.
                self.assertLessEqual(set(expected["param_groups"][0]),
                                     set(state["param_groups"][0]))
                # A fresh optimizer continues exactly where the first was.
                second = getattr(optim, name)(ours, **kwargs)
                second.load_state_dict(pickle.loads(pickle.dumps(state)))
                for key, value in first.state[ours[0]].items():
                    loaded = second.state[ours[0]][key]
                    if isinstance(value, terra.Tensor):
                        self.assertIsNot(loaded, value)
                        np.testing.assert_array_equal(loaded.numpy(), value.numpy())
                    else:
                        self.assertEqual(loaded, value)
                for step in range(2, 4):
                    set_grads(ours, theirs, step)
                    second.step()
                    reference.step()
                assert_params_close(self, ours, theirs, name + " resumed")

    def test_load_state_dict_checks(self):
        ours, _ = make_params()
        opt = optim.SGD(ours, lr=0.1)
        state = opt.state_dict()
        other = optim.SGD(ours[:2], lr=0.1)
        with self.assertRaises(ValueError):
            other.load_state_dict(state)

    def test_trains_a_module(self):
        model = terra.nn.Linear(3, 1)
        opt = optim.Adam(model.parameters(), lr=0.1)
        x = terra.tensor(sample((32, 3), "float32"))
        y = x.sum(1, keepdim=True) * 2 + 1
        for _ in range(150):
            opt.zero_grad()
            loss = terra.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        self.assertLess(loss.item(), 1e-2)


def lr_sequence(optimizer_module, scheduler_factory, epochs, torch_side):
    param = (torch.nn.Parameter(torch.zeros(1)) if torch_side
             else terra.nn.Parameter(terra.zeros(1)))
    opt = optimizer_module.SGD([param], lr=0.5)
    scheduler = scheduler_factory(opt)
    lrs = [scheduler.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == lrs[-1]
    return lrs, scheduler


class SchedulerTest(unittest.TestCase):
    def check(self, name, epochs=25, **kwargs):
        ours, ours_scheduler = lr_sequence(
            optim, lambda o: getattr(lr_scheduler, name)(o, **kwargs), epochs, False)
        theirs, theirs_scheduler = lr_sequence(
            torch.optim, lambda o: getattr(torch.optim.lr_scheduler, name)(o, **kwargs),
            epochs, True)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15,
                                   err_msg=name)
        return ours_scheduler, theirs_scheduler

    def test_sequences(self):
        self.check("StepLR", step_size=4)
        self.check("StepLR", step_size=3, gamma=0.5)
        self.check("MultiStepLR", milestones=[2, 5, 5, 11], gamma=0.3)
        self.check("ExponentialLR", gamma=0.9)
        self.check("CosineAnnealingLR", epochs=40, T_max=10)
        self.check("CosineAnnealingLR", epochs=40, T_max=7, eta_min=0.01)
        self.check("LambdaLR", lr_lambda=lambda epoch: 0.95 ** epoch + 1 / (1 + epoch))
        self.check("MultiplicativeLR", lr_lambda=lambda epoch: 0.9)
        self.check("LinearLR", start_factor=0.25, total_iters=6)
        self.check("ConstantLR", factor=0.5, total_iters=3)

    def test_state_dict_and_resume(self):
        ours, theirs = self.check("StepLR", epochs=5, step_size=2)
        state = ours.state_dict()
        self.assertNotIn("optimizer", state)
        self.assertEqual(set(state), set(theirs.state_dict()))
        self.assertEqual(state["last_epoch"], 5)
        param = terra.nn.Parameter(terra.zeros(1))
        opt = optim.SGD([param], lr=0.5)
        resumed = lr_scheduler.StepLR(opt, step_size=2)
        resumed.load_state_dict(state)
        self.assertEqual(resumed.last_epoch, 5)
        self.assertEqual(resumed.get_last_lr(), ours.get_last_lr())
        lambda_scheduler, _ = self.check("LambdaLR", epochs=3, lr_lambda=lambda e: 1.0)
        self.assertEqual(lambda_scheduler.state_dict()["lr_lambdas"], [None])

    def test_chained_and_closed_form(self):
        def run(module, scheduler_module, torch_side):
            param = (torch.nn.Parameter(torch.zeros(1)) if torch_side
                     else terra.nn.Parameter(terra.zeros(1)))
            opt = module.SGD([param], lr=1.0)
            a = scheduler_module.ExponentialLR(opt, gamma=0.9)
            b = scheduler_module.StepLR(opt, step_size=3, gamma=0.1)
            lrs = []
            for epoch in range(10):
                opt.step()
                a.step()
                b.step()
                lrs.append(opt.param_groups[0]["lr"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a.step(20)
            lrs.append(opt.param_groups[0]["lr"])
            return lrs

        np.testing.assert_allclose(
            run(optim, lr_scheduler, False),
            run(torch.optim, torch.optim.lr_scheduler, True), rtol=1e-12)

    def test_warns_on_wrong_order(self):
        param = terra.nn.Parameter(terra.zeros(1))
        opt = optim.SGD([param], lr=1.0)
        scheduler = lr_scheduler.StepLR(opt, 1)
        with self.assertWarns(UserWarning):
            scheduler.step()


class UnrolledUpdateTest(unittest.TestCase):
    """_terra._call_unrolled, through which the optimizers update each
    parameter: fn(*args) whatever the tracing state."""

    def test_calls_through_and_raises_what_fn_raises(self):
        import _terra

        self.assertEqual(_terra._call_unrolled(3, lambda a, b: a + b, 1, 2), 3)
        with self.assertRaises(ZeroDivisionError):
            _terra._call_unrolled(0, lambda: 1 / 0)
        # The iteration was left: later ops are traced as before.
        x = terra.ones(3)
        self.assertEqual(_terra._call_unrolled(1, lambda t: float(t.sum()),
                                               x * 2), 6.0)
        with self.assertRaises(TypeError):
            _terra._call_unrolled("first", len, [])


if __name__ == "__main__":
    unittest.main()
