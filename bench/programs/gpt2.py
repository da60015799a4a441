"""GPT-2: a small decoder-only transformer language model (the paper's
"GPT-2" program, after Radford et al. 2019 and the nanoGPT code layout),
trained on a synthetic token stream, then sampled autoregressively.

The model: token + learned position embeddings, pre-LayerNorm blocks with
causal self-attention (one fused c_attn Linear split into q/k/v, a
registered lower-triangular mask buffer sliced to the current length,
masked_fill with -inf, softmax), a GELU MLP, a final LayerNorm and an LM
head whose weight is tied to the token embedding.  AdamW with weight
decay on matrices only, cosine LR schedule computed in Python and written
into the param groups, gradient clipping.

Python features kept:
* batches are random windows of a NumPy token stream, drawn in Python;
* the LR is computed in Python each step (warm-up + cosine) and set by a
  loop over optimizer.param_groups;
* the blocks run in a Python loop over an nn.ModuleList; forward takes an
  optional target and returns (logits, loss or None);
* after training, a sampling loop of 32 new tokens: each step crops the
  context to block_size (shapes grow step by step until it is full), runs
  the model, fetches the last logits with .numpy(), does top-k and the
  softmax in NumPy and draws with a NumPy generator; the sampled tokens are
  recorded with log.record.
* dropout modules with p=0.0 (Terra's random streams differ from PyTorch's).

Data: a stream made of runs of arithmetic progressions mod the vocabulary
(start and stride drawn per run), separated by a delimiter token, so the
next token is predictable from the two before it.

Tolerance: per-step losses within 1e-3 relative of PyTorch over the default
35 steps (float32 reassociation in matmul/softmax/LayerNorm reductions,
slightly amplified by Adam); the sampled tokens must be identical (top-k and
multinomial draws on logits that differ by ~1e-6).
"""

import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F

from common import StepLog, init_parameters, steps, warmup


class GPTConfig:
    block_size = 64
    vocab_size = 256
    n_layer = 4
    n_head = 4
    n_embd = 128
    dropout = 0.0
    bias = True

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.register_buffer(
            "bias",
            torch.tril(torch.ones(config.block_size, config.block_size))
            .view(1, 1, config.block_size, config.block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # weight tying
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.config.block_size, \
            f"Cannot forward sequence of length {t}, block size is only {self.config.block_size}"
        pos = torch.arange(0, t, dtype=torch.long)
        tok_emb = self.transformer.wte(idx)
        pos_emb = self.transformer.wpe(pos)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is not None:
            logits = self.lm_head(x)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        else:
            # inference: only the last position is needed
            logits = self.lm_head(x[:, [-1], :])
            loss = None
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        param_dict = {pn: p for pn, p in self.named_parameters() if p.requires_grad}
        decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
        nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
        optim_groups = [
            {"params": decay_params, "weight_decay": weight_decay},
            {"params": nodecay_params, "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, rng, temperature=1.0, top_k=None):
        """Samples max_new_tokens tokens after idx; top-k and the draw are
        done in NumPy on the fetched logits."""
        out = []
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.config.block_size \
                else idx[:, -self.config.block_size:]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :].numpy().astype(np.float64) / temperature
            next_tokens = []
            for row in logits:
                if top_k is not None:
                    keep = np.argsort(-row, kind="stable")[:top_k]
                else:
                    keep = np.arange(row.shape[0])
                p = np.exp(row[keep] - row[keep].max())
                p /= p.sum()
                next_tokens.append(int(keep[rng.choice(len(keep), p=p)]))
            out.append(next_tokens)
            idx_next = torch.tensor(next_tokens, dtype=torch.long).view(-1, 1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx, out


# ---------------------------------------------------------------- data

def make_stream(rng, length, vocab_size):
    """Arithmetic progressions mod (vocab_size - 1) of random length;
    token vocab_size - 1 separates them."""
    sep = vocab_size - 1
    tokens = []
    while len(tokens) < length:
        start = int(rng.integers(0, sep))
        stride = int(rng.integers(1, 8))
        run = int(rng.integers(6, 24))
        tokens.extend((start + stride * j) % sep for j in range(run))
        tokens.append(sep)
    return np.array(tokens[:length], dtype=np.int64)


def get_batch(data, rng, batch_size, block_size):
    ix = rng.integers(0, len(data) - block_size - 1, size=batch_size)
    x = torch.from_numpy(np.stack([data[i:i + block_size] for i in ix]))
    y = torch.from_numpy(np.stack([data[i + 1:i + 1 + block_size] for i in ix]))
    return x, y


def get_lr(it, warmup_iters, lr_decay_iters, learning_rate, min_lr):
    if it < warmup_iters:
        return learning_rate * (it + 1) / warmup_iters
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


def main():
    config = GPTConfig()
    batch_size = 8
    learning_rate, min_lr = 1e-3, 1e-4
    n_warm, n_steps = warmup(5), steps(30)
    max_iters = n_warm + n_steps
    warmup_iters = max(1, max_iters // 10)

    rng = np.random.default_rng(2024)
    data = make_stream(rng, 20000, config.vocab_size)

    model = GPT(config)
    init_parameters(model, seed=0)
    optimizer = model.configure_optimizers(0.1, learning_rate, (0.9, 0.95))

    log = StepLog("gpt2", n_warm)
    model.train()
    for it in range(max_iters):
        lr = get_lr(it, warmup_iters, max_iters, learning_rate, min_lr)
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr
        X, Y = get_batch(data, rng, batch_size, config.block_size)
        logits, loss = model(X, Y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        lossf = loss.item()
        log.step(lossf)
        if it % 10 == 0 or it == max_iters - 1:
            print(f"step {it:3d} loss {lossf:.4f} lr {lr:.2e}")

    model.eval()
    sample_rng = np.random.default_rng(7)
    prompt = torch.from_numpy(data[:2 * 8].reshape(2, 8).copy())
    _, sampled = model.generate(prompt, 32, sample_rng, temperature=0.8, top_k=10)
    samples = [[step[b] for step in sampled] for b in range(prompt.size(0))]
    for b, s in enumerate(samples):
        print(f"sample {b}: {s}")
    log.record(samples=samples)
    log.finish()


if __name__ == "__main__":
    main()
