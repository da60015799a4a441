"""Music Transformer: a decoder-only transformer with relative-position
self-attention over a stream of MIDI-like performance events (the paper's
"Music Transformer" program, after Huang et al. 2019, "Music Transformer:
Generating Music with Long-Term Structure", and the layout of its public
PyTorch re-implementations).

The attention adds a relative-position term S_rel to QK^T, computed with
the paper's memory-efficient "skewing" trick: Q @ E_r^T for the last L
relative embeddings, pad one column on the left, reshape to (L+1, L), drop
the first row.  Blocks are post-LayerNorm (attention, FFN), the input is
scaled embeddings plus a sinusoidal table, the loss is token cross-entropy
with padding ignored.  Adam with the transformer ("Noam") LR schedule.

Python features kept:
* the training pieces have lengths that depend on the data; a collate
  function pads each batch to its longest piece, so the sequence length
  (and every attention shape) changes from step to step;
* the causal mask and the relative embeddings are sliced to the current
  length in forward; the blocks run in a Python loop;
* the LR is computed in Python each step and written into the param group;
* sampling after training: a loop that feeds the growing sequence back
  into the model, fetches the last logits with .tolist(), applies a
  temperature and draws with a NumPy generator, and stops when the END
  event is drawn or a maximum length is reached, so the number of model
  calls depends on the data; the sampled events go to log.record;
* dropout modules with p=0.0 (Terra's random streams differ from PyTorch's).

Data: synthetic melodies.  Events are NOTE_ON(p), NOTE_OFF(p) for 24
pitches and TIME_SHIFT(t) for 8 durations, plus START/END/PAD.  A piece
picks a key and walks up and down its scale in small steps; every note is
NOTE_ON, TIME_SHIFT, NOTE_OFF; a piece has 4..14 notes and ends with END.

Tolerance: per-step losses within 1e-3 relative of PyTorch over the default
35 steps (float32 reassociation in matmul/softmax/LayerNorm reductions,
amplified slightly by Adam); the sampled events must be identical.  Adam's
eps is 1e-8 rather than the paper's 1e-9: the key projection has gradient
directions that softmax cancels (pure rounding noise), and with eps=1e-9
Adam turns that noise into lr-sized steps of random sign, so two correct
float32 implementations drift apart by ~3e-4 within 35 steps (1e-7 with
eps=1e-8).
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import StepLog, init_parameters, steps, warmup

# ---------------------------------------------------------------- events

N_PITCH = 24
N_SHIFT = 8
NOTE_ON = 0
NOTE_OFF = NOTE_ON + N_PITCH
TIME_SHIFT = NOTE_OFF + N_PITCH
START = TIME_SHIFT + N_SHIFT
END = START + 1
PAD = END + 1
VOCAB_SIZE = PAD + 1

MAJOR = [0, 2, 4, 5, 7, 9, 11]


def make_piece(rng):
    root = int(rng.integers(0, 5))
    scale = [root + s for s in MAJOR] + [root + 12 + s for s in MAJOR]
    scale = [p for p in scale if p < N_PITCH]
    degree = int(rng.integers(0, len(scale)))
    events = [START]
    for _ in range(int(rng.integers(4, 15))):
        pitch = scale[degree]
        duration = int(rng.choice([1, 1, 2, 3, 3, 5]))
        events += [NOTE_ON + pitch, TIME_SHIFT + duration, NOTE_OFF + pitch]
        degree = int(np.clip(degree + rng.choice([-2, -1, 1, 1, 2]), 0, len(scale) - 1))
    events.append(END)
    return events


def collate(pieces, max_len):
    """Pads the batch to its longest piece (capped at max_len + 1)."""
    length = min(max(len(p) for p in pieces), max_len + 1)
    batch = np.full((len(pieces), length), PAD, dtype=np.int64)
    for i, p in enumerate(pieces):
        p = p[:length]
        batch[i, :len(p)] = p
    batch = torch.from_numpy(batch)
    return batch[:, :-1], batch[:, 1:]


# ---------------------------------------------------------------- model

class RelativeGlobalAttention(nn.Module):
    def __init__(self, d_model, num_heads, max_len, dropout=0.0):
        super().__init__()
        self.d_model = d_model
        self.num_heads = num_heads
        self.d_head = d_model // num_heads
        self.max_len = max_len
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.fc = nn.Linear(d_model, d_model)
        # E_r: one embedding per relative distance -(max_len-1) .. 0
        self.Er = nn.Parameter(torch.empty(max_len, self.d_head))
        self.dropout = nn.Dropout(dropout)
        self.register_buffer(
            "mask",
            torch.tril(torch.ones(max_len, max_len)).unsqueeze(0).unsqueeze(0))

    def forward(self, x):
        batch_size, seq_len, _ = x.shape
        if seq_len > self.max_len:
            raise ValueError("sequence length exceeds model capacity")
        q = self.query(x).reshape(batch_size, seq_len, self.num_heads, self.d_head)
        q = q.transpose(1, 2)
        k_t = self.key(x).reshape(batch_size, seq_len, self.num_heads, self.d_head)
        k_t = k_t.permute(0, 2, 3, 1)
        v = self.value(x).reshape(batch_size, seq_len, self.num_heads, self.d_head)
        v = v.transpose(1, 2)

        start = self.max_len - seq_len
        Er_t = self.Er[start:, :].transpose(0, 1)
        QEr = torch.matmul(q, Er_t)
        Srel = self.skew(QEr)

        QK_t = torch.matmul(q, k_t)
        attn = (QK_t + Srel) / math.sqrt(q.size(-1))
        mask = self.mask[:, :, :seq_len, :seq_len]
        attn = attn.masked_fill(mask == 0, float("-inf"))
        attn = F.softmax(attn, dim=-1)
        out = torch.matmul(self.dropout(attn), v)
        out = out.transpose(1, 2).reshape(batch_size, seq_len, self.d_model)
        return self.fc(out)

    @staticmethod
    def skew(QEr):
        # (B, H, L, L) -> pad left -> (B, H, L, L+1) -> (B, H, L+1, L) -> drop row 0
        padded = F.pad(QEr, (1, 0))
        batch_size, num_heads, num_rows, num_cols = padded.shape
        reshaped = padded.reshape(batch_size, num_heads, num_cols, num_rows)
        return reshaped[:, :, 1:, :]


class DecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, d_ff, max_len, dropout=0.0):
        super().__init__()
        self.self_attn = RelativeGlobalAttention(d_model, num_heads, max_len, dropout)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
        self.norm1 = nn.LayerNorm(d_model, eps=1e-6)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-6)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x):
        attn_out = self.self_attn(x)
        x = self.norm1(x + self.dropout1(attn_out))
        ffn_out = self.ffn(x)
        return self.norm2(x + self.dropout2(ffn_out))


def sinusoid_table(max_len, d_model):
    position = np.arange(max_len)[:, None]
    div = np.exp(np.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    table = np.zeros((max_len, d_model), dtype=np.float32)
    table[:, 0::2] = np.sin(position * div)
    table[:, 1::2] = np.cos(position * div)
    return torch.from_numpy(table)


class MusicTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, num_layers=3, num_heads=4,
                 d_ff=512, max_len=64, dropout=0.0):
        super().__init__()
        self.d_model = d_model
        self.max_len = max_len
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.register_buffer("positional_encoding", sinusoid_table(max_len, d_model))
        self.input_dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList([
            DecoderLayer(d_model, num_heads, d_ff, max_len, dropout)
            for _ in range(num_layers)])
        self.final = nn.Linear(d_model, vocab_size)

    def forward(self, x):
        seq_len = x.size(1)
        h = self.embedding(x) * math.sqrt(self.d_model)
        h = h + self.positional_encoding[:seq_len]
        h = self.input_dropout(h)
        for layer in self.layers:
            h = layer(h)
        return self.final(h)


def transformer_lr(step, d_model, warmup_steps, factor=1.0):
    step = max(step, 1)
    return factor * d_model ** -0.5 * min(step ** -0.5, step * warmup_steps ** -1.5)


@torch.no_grad()
def sample(model, primer, rng, max_len, temperature=1.0):
    """Extends `primer` one event at a time until END or max_len events."""
    model.eval()
    events = list(primer)
    while len(events) < max_len:
        x = torch.tensor([events], dtype=torch.long)
        logits = model(x)[0, -1].tolist()
        logits = np.array(logits, dtype=np.float64) / temperature
        logits[PAD] = -np.inf
        logits[START] = -np.inf
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        event = int(rng.choice(len(probs), p=probs))
        events.append(event)
        if event == END:
            break
    return events


def describe(events):
    names = []
    for e in events:
        if e < NOTE_OFF:
            names.append(f"on{e - NOTE_ON}")
        elif e < TIME_SHIFT:
            names.append(f"off{e - NOTE_OFF}")
        elif e < START:
            names.append(f"t{e - TIME_SHIFT}")
        else:
            names.append({START: "START", END: "END", PAD: "PAD"}[e])
    return " ".join(names)


def main():
    d_model, max_len, batch_size = 128, 48, 8
    model = MusicTransformer(VOCAB_SIZE, d_model=d_model, num_layers=3,
                             num_heads=4, d_ff=512, max_len=max_len)
    init_parameters(model, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.0, betas=(0.9, 0.98), eps=1e-8)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)

    rng = np.random.default_rng(31)
    pieces = [make_piece(rng) for _ in range(512)]

    n_warm, n_steps = warmup(5), steps(30)
    log = StepLog("music_transformer", n_warm)
    model.train()
    for i in range(n_warm + n_steps):
        batch = [pieces[j] for j in rng.integers(0, len(pieces), size=batch_size)]
        x, y = collate(batch, max_len)
        lr = transformer_lr(i + 1, d_model, warmup_steps=10, factor=0.1)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits.reshape(-1, VOCAB_SIZE), y.reshape(-1))
        loss.backward()
        optimizer.step()
        loss_value = loss.item()
        log.step(loss_value)
        if i % 10 == 0:
            print(f"step {i:3d} loss {loss_value:.4f} len {x.size(1)} lr {lr:.2e}")

    sample_rng = np.random.default_rng(5)
    samples = []
    for primer in ([START, NOTE_ON + 7], [START, NOTE_ON + 12, TIME_SHIFT + 2]):
        events = sample(model, primer, sample_rng, max_len, temperature=0.9)
        print(f"sample ({len(events)} events): {describe(events)}")
        samples.append(events)
    log.record(samples=samples)
    log.finish()


if __name__ == "__main__":
    main()
