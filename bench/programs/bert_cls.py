"""BERT-CLS: sequence classification from the [CLS] token of a small BERT
encoder (the paper's "BERT-CLS" program, after Devlin et al. 2019 and the
Hugging Face BertForSequenceClassification code layout).

The model is written the way BERT implementations are: a config object,
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

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import StepLog, init_parameters, steps, warmup


class BertConfig:
    def __init__(self, vocab_size=1000, hidden_size=128, num_hidden_layers=4,
                 num_attention_heads=4, intermediate_size=512,
                 max_position_embeddings=64, type_vocab_size=2,
                 hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                 layer_norm_eps=1e-12, num_labels=4, use_token_type=True):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.layer_norm_eps = layer_norm_eps
        self.num_labels = num_labels
        self.use_token_type = use_token_type


class BertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings,
                                                config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size,
                                                  config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.use_token_type = config.use_token_type

    def forward(self, input_ids, token_type_ids=None):
        seq_length = input_ids.size(1)
        position_ids = torch.arange(seq_length, dtype=torch.long)
        position_ids = position_ids.unsqueeze(0).expand_as(input_ids)
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        if self.use_token_type:
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            embeddings = embeddings + self.token_type_embeddings(token_type_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.hidden_size % config.num_attention_heads != 0:
            raise ValueError("hidden size is not a multiple of the number of heads")
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def transpose_for_scores(self, x):
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        x = x.view(*new_x_shape)
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask=None, head_mask=None):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))

        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            attention_scores = attention_scores + attention_mask
        attention_probs = F.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        if head_mask is not None:
            attention_probs = attention_probs * head_mask

        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        new_context_shape = context_layer.size()[:-2] + (self.all_head_size,)
        return context_layer.view(*new_context_shape)


class BertSelfOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, attention_mask=None, head_mask=None):
        self_outputs = self.self(hidden_states, attention_mask, head_mask)
        return self.output(self_outputs, hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)

    def forward(self, hidden_states):
        return F.gelu(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask=None, head_mask=None):
        attention_output = self.attention(hidden_states, attention_mask, head_mask)
        intermediate_output = self.intermediate(attention_output)
        return self.output(intermediate_output, attention_output)


class BertEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config)
                                    for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask=None, head_mask=None):
        for i, layer_module in enumerate(self.layer):
            layer_head_mask = head_mask[i] if head_mask is not None else None
            hidden_states = layer_module(hidden_states, attention_mask, layer_head_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        first_token_tensor = hidden_states[:, 0]
        return self.activation(self.dense(first_token_tensor))


class BertModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config)

    def get_extended_attention_mask(self, attention_mask):
        # [batch, seq] 1/0 -> [batch, 1, 1, seq] additive mask
        extended = attention_mask[:, None, None, :].to(dtype=torch.float32)
        return (1.0 - extended) * -10000.0

    def forward(self, input_ids, attention_mask=None, token_type_ids=None,
                head_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        extended_attention_mask = self.get_extended_attention_mask(attention_mask)
        embedding_output = self.embeddings(input_ids, token_type_ids)
        sequence_output = self.encoder(embedding_output, extended_attention_mask,
                                       head_mask)
        pooled_output = self.pooler(sequence_output)
        return sequence_output, pooled_output


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

    no_decay = ("bias", "LayerNorm.weight")
    grouped = [
        {"params": [p for n, p in model.named_parameters()
                    if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters()
                    if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
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
