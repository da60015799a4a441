"""End-to-end training against torch 1.13: an MLP and a small CNN trained
50 steps from identical initial weights on the same synthetic batches; the
losses must agree to 1e-4 (relative) at every step."""

import unittest

import numpy as np
import torch

import terra

STEPS = 50


def copy_weights(ours, theirs):
    ours.load_state_dict({k: terra.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def batches(shape, classes, count, seed):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        x = rng.standard_normal(shape).astype("f4")
        y = rng.integers(0, classes, shape[0])
        yield x, y


def build_mlp(nn):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def build_cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.0), nn.Flatten(),
        nn.Linear(16 * 4 * 4, 10))


class TrainingTest(unittest.TestCase):
    def train_both(self, build, make_optimizer, data, rtol=1e-4):
        torch.manual_seed(0)
        theirs = build(torch.nn)
        ours = build(terra.nn)
        copy_weights(ours, theirs)
        opt_theirs = make_optimizer(torch.optim, theirs.parameters())
        opt_ours = make_optimizer(terra.optim, ours.parameters())
        loss_fn_theirs = torch.nn.CrossEntropyLoss()
        loss_fn_ours = terra.nn.CrossEntropyLoss()
        ours_losses, theirs_losses = [], []
        for x, y in data:
            opt_theirs.zero_grad()
            loss = loss_fn_theirs(theirs(torch.tensor(x)), torch.tensor(y))
            loss.backward()
            opt_theirs.step()
            theirs_losses.append(loss.item())

            opt_ours.zero_grad()
            loss = loss_fn_ours(ours(terra.tensor(x)), terra.tensor(y))
            loss.backward()
            opt_ours.step()
            ours_losses.append(loss.item())
        self.assertEqual(len(ours_losses), STEPS)
        for step, (a, b) in enumerate(zip(ours_losses, theirs_losses)):
            self.assertLessEqual(abs(a - b), rtol * abs(b),
                                 "step %d: terra %.8g, torch %.8g" % (step, a, b))
        # Training makes progress.
        self.assertLess(np.mean(ours_losses[-5:]), np.mean(ours_losses[:5]))
        return ours, theirs

    def test_mlp_sgd_momentum(self):
        # Learnable synthetic data: the class is the argmax of a fixed
        # projection of the input.
        rng = np.random.default_rng(7)
        projection = rng.standard_normal((784, 10)).astype("f4")

        def data():
            for x, _ in batches((64, 1, 28, 28), 10, STEPS, 11):
                yield x, (x.reshape(64, -1) @ projection).argmax(1)

        self.train_both(build_mlp,
                        lambda o, p: o.SGD(p, lr=0.01, momentum=0.9), data())

    def test_cnn_batchnorm(self):
        rng = np.random.default_rng(8)
        projection = rng.standard_normal((256, 10)).astype("f4")

        def data():
            for x, _ in batches((16, 1, 16, 16), 10, STEPS, 12):
                yield x, (x.reshape(16, -1) @ projection).argmax(1)

        ours, theirs = self.train_both(
            build_cnn, lambda o, p: o.SGD(p, lr=0.05, momentum=0.9), data())
        for name, buffer in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[name].numpy(),
                                       buffer.numpy(), rtol=2e-3, atol=2e-4,
                                       err_msg=name)
        ours.eval()
        theirs.eval()
        x = np.random.default_rng(9).standard_normal((4, 1, 16, 16)).astype("f4")
        with terra.no_grad(), torch.no_grad():
            np.testing.assert_allclose(ours(terra.tensor(x)).numpy(),
                                       theirs(torch.tensor(x)).numpy(),
                                       rtol=1e-3, atol=1e-3)

    def test_adam(self):
        rng = np.random.default_rng(9)
        projection = rng.standard_normal((784, 10)).astype("f4")

        def data():
            for x, _ in batches((32, 1, 28, 28), 10, STEPS, 13):
                yield x, (x.reshape(32, -1) @ projection).argmax(1)

        self.train_both(build_mlp, lambda o, p: o.Adam(p, lr=1e-3), data())


if __name__ == "__main__":
    unittest.main()
