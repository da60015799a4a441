"""BERT-CLS: sequence classification from the [CLS] token of a small BERT
encoder (the paper's "BERT-CLS" program, after Devlin et al. 2019 and the
Hugging Face BertForSequenceClassification code layout).

The model (bert_model.py, shared with the other BERT program) is written
the way BERT implementations are: a config object,
nn.Module classes for embeddings (token + position + segment, LayerNorm),
self-attention with explicit q/k/v Linear layers, a reshape to heads,
softmax(QK^T / sqrt(d) + mask), an output projection with a residual and
LayerNorm, a GELU feed-forward block, a pooler (tanh Linear on [CLS]) and a
classifier.  Trained with AdamW, linear LR warm-up (LambdaLR) and gradient
clipping.

Python features kept (what makes it hard to turn into one graph):
* every batch is built in Python/NumPy with padding lengths that vary per
  example; the attention mask is computed from those lengths each step;
* the layers run in a Python loop over an nn.ModuleList, with config-driven
  branches (`if config.use_token_type`, optional head mask argument);
* the loss is read with .item() every step, and every 10 steps the
  accuracy is computed in Python from .tolist() of the argmax;
* dropout modules are present with p=0.0 (Terra's random streams differ
  from PyTorch's by design, see bench/programs/common.py).

Data: a synthetic rule the model can learn: the label is the index of the
marker token (one of four) that occurs most often in the unpadded part of
the sequence (ties broken by the lowest index).

Tolerance: per-step losses agree with PyTorch within 1e-3 relative over the
default 35 steps (float32 reassociation in matmul/softmax/LayerNorm sums,
amplified slightly by AdamW's division by sqrt(v)).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from bert_model import BertConfig, BertModel, weight_decay_groups
from common import StepLog, init_parameters, steps, warmup


class BertForSequenceClassification(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None,
                labels=None):
        _, pooled_output = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(pooled_output))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return loss, logits


# ---------------------------------------------------------------- data

PAD, CLS, SEP = 0, 1, 2
MARKERS = [10, 11, 12, 13]
FIRST_WORD = 20


def make_batch(rng, batch_size, max_len, vocab_size):
    """Token ids, attention mask, segment ids and labels for one batch.
    Each example has its own length; positions past it are [PAD]."""
    input_ids = np.full((batch_size, max_len), PAD, dtype=np.int64)
    attention_mask = np.zeros((batch_size, max_len), dtype=np.int64)
    token_type_ids = np.zeros((batch_size, max_len), dtype=np.int64)
    labels = np.zeros(batch_size, dtype=np.int64)
    for b in range(batch_size):
        length = int(rng.integers(8, max_len + 1))
        words = rng.integers(FIRST_WORD, vocab_size, size=length - 2)
        # scatter a few markers, one class more often than the others
        label = int(rng.integers(len(MARKERS)))
        counts = [int(rng.integers(0, 3)) for _ in MARKERS]
        counts[label] = max(counts) + 1
        slots = rng.permutation(length - 2)
        pos = 0
        for m, count in zip(MARKERS, counts):
            for _ in range(count):
                if pos < len(slots):
                    words[slots[pos]] = m
                    pos += 1
        counts = [int(np.sum(words == m)) for m in MARKERS]
        labels[b] = int(np.argmax(counts))
        sep_at = length // 2
        tokens = [CLS] + words.tolist() + [SEP]
        input_ids[b, :length] = tokens
        attention_mask[b, :length] = 1
        token_type_ids[b, sep_at:length] = 1
    return (torch.from_numpy(input_ids), torch.from_numpy(attention_mask),
            torch.from_numpy(token_type_ids), torch.from_numpy(labels))


def main():
    config = BertConfig()
    batch_size, max_len = 16, 32
    model = BertForSequenceClassification(config)
    init_parameters(model, seed=0)

    grouped = weight_decay_groups(model)
    optimizer = torch.optim.AdamW(grouped, lr=3e-4, betas=(0.9, 0.999), eps=1e-8)
    n_warm, n_steps = warmup(5), steps(30)
    total = n_warm + n_steps
    warmup_steps = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / warmup_steps, max(0.0, (total - s) / (total - warmup_steps))))

    rng = np.random.default_rng(1234)
    log = StepLog("bert_cls", n_warm)
    model.train()
    correct = seen = 0
    for i in range(total):
        input_ids, attention_mask, token_type_ids, labels = make_batch(
            rng, batch_size, max_len, config.vocab_size)
        optimizer.zero_grad()
        loss, logits = model(input_ids, attention_mask, token_type_ids, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()

        loss_value = loss.item()
        log.step(loss_value)
        if i % 10 == 0 or i == total - 1:
            predictions = logits.argmax(dim=-1).tolist()
            correct += sum(int(p == t) for p, t in zip(predictions, labels.tolist()))
            seen += len(predictions)
            print(f"step {i:3d} loss {loss_value:.4f} "
                  f"acc {correct / seen:.3f} lr {scheduler.get_last_lr()[0]:.2e}")
    log.finish()


if __name__ == "__main__":
    main()
