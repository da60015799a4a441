"""DCGAN (Radford et al., 2016), the "DCGAN" program of the paper's suite,
written like the PyTorch examples' dcgan/main.py at a reduced size: 16x16
RGB images, latent size 32, batch 32.

Generator: ConvTranspose2d + BatchNorm2d + ReLU blocks, Tanh output.
Discriminator: Conv2d (+ BatchNorm2d) + LeakyReLU blocks, one logit.
Two Adam optimisers, alternating updates per step: the discriminator on a
real batch and on ``fake.detach()`` (two backward calls accumulating into the
same gradients), then the generator through the discriminator with "real"
labels.

Python features kept: two models and two optimisers stepped alternately,
in-place activations (``ReLU(True)``, ``LeakyReLU(0.2, inplace=True)``),
``detach()`` to cut the generator out of the D update, gradient accumulation
over two backward calls, labels filled in place (``label.fill_``), several
``.item()`` calls per step for the statistics the example prints (D(x),
D(G(z)) before and after the D update), a NumPy data pipeline (synthetic
Gaussian blobs, a per-epoch NumPy permutation, NumPy latent noise) and a
Python-side label-noise choice drawn from NumPy per step.

log.step gets the sum errD + errG (discriminator loss on real and fake plus
generator loss).

Tolerance: 1e-3 relative. The losses are float32 sums of convolutions whose
accumulation order differs between backends (float32 reassociation, ~1e-7
relative per op); an adversarial game with Adam can amplify such differences
step by step (at the paper's lr 2e-4 they grow to ~3e-4 over 35 steps here),
so the learning rate is halved to 1e-4 (beta1 0.5 as in the paper), which
keeps the drift near 1e-7 over the default 35 steps.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

from common import StepLog, init_parameters, steps, warmup

NZ = 32          # latent size
NGF = 32         # generator feature maps
NDF = 32         # discriminator feature maps
NC = 3           # image channels
IMAGE = 16
BATCH = 32


class Generator(nn.Module):
    def __init__(self, nz=NZ, ngf=NGF, nc=NC):
        super().__init__()
        self.main = nn.Sequential(
            # latent z: nz x 1 x 1
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # (ngf*2) x 4 x 4
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # ngf x 8 x 8
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
            # nc x 16 x 16
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, nc=NC, ndf=NDF):
        super().__init__()
        self.main = nn.Sequential(
            # nc x 16 x 16
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # ndf x 8 x 8
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # (ndf*2) x 4 x 4
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
        )

    def forward(self, x):
        return self.main(x).view(-1)


def make_blobs(rng, n, size=IMAGE, channels=NC):
    """Synthetic "real" images: one to three coloured Gaussian blobs on a
    dark background, in [-1, 1] like the example's normalised images."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    images = np.zeros((n, channels, size, size), dtype=np.float32)
    for k in range(n):
        for _ in range(rng.integers(1, 4)):
            cy, cx = rng.uniform(2, size - 2, 2)
            sigma = rng.uniform(1.5, 3.5)
            colour = rng.uniform(0.3, 1.0, channels).astype(np.float32)
            blob = np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * sigma ** 2))
            images[k] += colour[:, None, None] * blob
    images = np.clip(images, 0.0, 1.0)
    return images * 2.0 - 1.0


def batches(rng, data, batch_size):
    """An endless loader: a NumPy permutation per epoch, full batches only."""
    while True:
        order = rng.permutation(len(data))
        for start in range(0, len(order) - batch_size + 1, batch_size):
            yield torch.from_numpy(data[order[start:start + batch_size]])


def main():
    n_warmup, n_steps = warmup(5), steps(30)
    data_rng = np.random.default_rng(0)
    noise_rng = np.random.default_rng(1)
    dataset = make_blobs(data_rng, 512)
    loader = batches(data_rng, dataset, BATCH)

    netG = Generator()
    netD = Discriminator()
    init_parameters(netG, 2)
    init_parameters(netD, 3)

    criterion = nn.BCEWithLogitsLoss()
    fixed_noise = torch.from_numpy(
        noise_rng.standard_normal((16, NZ, 1, 1)).astype(np.float32))
    real_label, fake_label = 1.0, 0.0

    optimizerD = optim.Adam(netD.parameters(), lr=1e-4, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=1e-4, betas=(0.5, 0.999))

    log = StepLog("dcgan", n_warmup)
    label = torch.full((BATCH,), real_label)
    for i in range(n_warmup + n_steps):
        ############################
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        netD.zero_grad()
        real = next(loader)
        # One-sided label smoothing, chosen on the Python side now and then.
        smooth = 0.9 if noise_rng.random() < 0.5 else real_label
        label.fill_(smooth)
        output = netD(real)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = torch.sigmoid(output).mean().item()

        noise = torch.from_numpy(
            noise_rng.standard_normal((BATCH, NZ, 1, 1)).astype(np.float32))
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = torch.sigmoid(output).mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        ############################
        # (2) Update G: maximize log(D(G(z)))
        ###########################
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = torch.sigmoid(output).mean().item()
        optimizerG.step()

        loss = errD.item() + errG.item()
        log.step(loss)
        if i % 10 == 0:
            print(f"step {i:3d} loss {loss:.4f} Loss_D {errD.item():.4f} "
                  f"Loss_G {errG.item():.4f} D(x) {D_x:.4f} "
                  f"D(G(z)) {D_G_z1:.4f} / {D_G_z2:.4f}")

    netG.eval()
    with torch.no_grad():
        samples = netG(fixed_noise)
    print(f"fixed-noise samples: mean {samples.mean().item():.4f} "
          f"std {samples.std().item():.4f}")
    log.finish()


if __name__ == "__main__":
    main()
