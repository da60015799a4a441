"""BERT-Q&A: extractive question answering with a small BERT encoder and
start/end span heads (the paper's "BERT-Q&A" program, after Devlin et al.
2019 on SQuAD and the Hugging Face BertForQuestionAnswering code layout,
including its run_squad-style post-processing).

The encoder is the same as in bert_cls.py (config object, nn.Module
classes, explicit q/k/v attention with an additive padding mask, GELU FFN,
post-LayerNorm); a Linear(hidden, 2) gives start and end logits, split
with .split(1, dim=-1); the loss is the mean of the start and end
cross-entropies with positions clamped to the sequence (SQuAD-style).
AdamW, linear warm-up/decay LR (LambdaLR), gradient clipping.

Python features kept:
* batches built in Python with a per-example question/context layout and a
  padding length that varies per example; the attention mask and segment
  ids come from those lengths;
* every 5 steps, evaluation on a fixed batch under model.eval() and
  torch.no_grad(): the start/end logits are fetched with .tolist(), and for
  each example the best span is found in Python/NumPy: the top-k start and
  end indices (np.argsort), every pair enumerated in nested loops and
  filtered (inside the context, start <= end, length <= max_answer_len),
  the highest start+end score kept; the chosen spans are recorded with
  log.record and the exact-match rate printed;
* losses read with .item() every step; dropout modules with p=0.0 (Terra's
  random streams differ from PyTorch's by design).

Data: "[CLS] Q [SEP] context [SEP] [PAD]...": Q is one of two question
tokens; the context holds two short spans, one of tokens from range A and
one from range B, among filler tokens; the answer is the span of range A
for question 0 and of range B for question 1.

Tolerance: per-step losses within 1e-3 relative of PyTorch over the default
35 steps (float32 reassociation in matmul/softmax/LayerNorm sums, amplified
slightly by AdamW); the recorded spans must be identical.
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
                 layer_norm_eps=1e-12, use_token_type=True):
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


class BertForQuestionAnswering(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.bert = BertModel(config)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None,
                start_positions=None, end_positions=None):
        sequence_output, _ = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.qa_outputs(sequence_output)
        start_logits, end_logits = logits.split(1, dim=-1)
        start_logits = start_logits.squeeze(-1).contiguous()
        end_logits = end_logits.squeeze(-1).contiguous()

        total_loss = None
        if start_positions is not None and end_positions is not None:
            # positions outside the model inputs are ignored
            ignored_index = start_logits.size(1)
            start_positions = start_positions.clamp(0, ignored_index)
            end_positions = end_positions.clamp(0, ignored_index)
            loss_fct = nn.CrossEntropyLoss(ignore_index=ignored_index)
            start_loss = loss_fct(start_logits, start_positions)
            end_loss = loss_fct(end_logits, end_positions)
            total_loss = (start_loss + end_loss) / 2
        return total_loss, start_logits, end_logits


# ---------------------------------------------------------------- data

PAD, CLS, SEP = 0, 1, 2
QUESTIONS = [3, 4]
RANGE_A = (30, 60)
RANGE_B = (60, 90)
FIRST_FILLER = 100


def make_example(rng, max_len):
    """One example: tokens, the context's first and last position, and the
    answer span (positions in the full sequence)."""
    length = int(rng.integers(16, max_len + 1))
    question = int(rng.integers(len(QUESTIONS)))
    context_len = length - 4  # [CLS] Q [SEP] ... [SEP]
    context = rng.integers(FIRST_FILLER, 1000, size=context_len)
    len_a, len_b = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    # place the two spans without overlap
    while True:
        pos_a = int(rng.integers(0, context_len - len_a + 1))
        pos_b = int(rng.integers(0, context_len - len_b + 1))
        if pos_a + len_a <= pos_b or pos_b + len_b <= pos_a:
            break
    context[pos_a:pos_a + len_a] = rng.integers(*RANGE_A, size=len_a)
    context[pos_b:pos_b + len_b] = rng.integers(*RANGE_B, size=len_b)
    tokens = [CLS, QUESTIONS[question], SEP] + context.tolist() + [SEP]
    offset = 3
    if question == 0:
        span = (offset + pos_a, offset + pos_a + len_a - 1)
    else:
        span = (offset + pos_b, offset + pos_b + len_b - 1)
    return tokens, (offset, offset + context_len - 1), span


def make_batch(rng, batch_size, max_len):
    input_ids = np.full((batch_size, max_len), PAD, dtype=np.int64)
    attention_mask = np.zeros((batch_size, max_len), dtype=np.int64)
    token_type_ids = np.zeros((batch_size, max_len), dtype=np.int64)
    starts = np.zeros(batch_size, dtype=np.int64)
    ends = np.zeros(batch_size, dtype=np.int64)
    contexts = []
    for b in range(batch_size):
        tokens, context, (s, e) = make_example(rng, max_len)
        input_ids[b, :len(tokens)] = tokens
        attention_mask[b, :len(tokens)] = 1
        token_type_ids[b, context[0]:len(tokens)] = 1
        starts[b], ends[b] = s, e
        contexts.append(context)
    tensors = tuple(torch.from_numpy(a) for a in
                    (input_ids, attention_mask, token_type_ids, starts, ends))
    return tensors, contexts


def best_spans(start_logits, end_logits, contexts, n_best=5, max_answer_len=6):
    """run_squad-style post-processing: the highest-scoring valid span of
    each example from its top-n start and end positions."""
    start_logits = start_logits.tolist()
    end_logits = end_logits.tolist()
    spans = []
    for b, (first, last) in enumerate(contexts):
        s_logits = np.asarray(start_logits[b])
        e_logits = np.asarray(end_logits[b])
        start_indexes = np.argsort(-s_logits, kind="stable")[:n_best].tolist()
        end_indexes = np.argsort(-e_logits, kind="stable")[:n_best].tolist()
        candidates = []
        for start_index in start_indexes:
            for end_index in end_indexes:
                if start_index < first or end_index > last:
                    continue
                if end_index < start_index:
                    continue
                if end_index - start_index + 1 > max_answer_len:
                    continue
                score = s_logits[start_index] + e_logits[end_index]
                candidates.append((score, start_index, end_index))
        if candidates:
            candidates.sort(key=lambda c: c[0], reverse=True)
            _, s, e = candidates[0]
            spans.append([s, e])
        else:
            spans.append([first, first])  # null answer: the first context token
    return spans


def main():
    config = BertConfig()
    batch_size, max_len = 16, 32
    model = BertForQuestionAnswering(config)
    init_parameters(model, seed=0)

    no_decay = ("bias", "LayerNorm.weight")
    grouped = [
        {"params": [p for n, p in model.named_parameters()
                    if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters()
                    if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(grouped, lr=3e-4, eps=1e-8)
    n_warm, n_steps = warmup(5), steps(30)
    total = n_warm + n_steps
    warmup_steps = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / warmup_steps, max(0.0, (total - s) / (total - warmup_steps))))

    rng = np.random.default_rng(4321)
    eval_rng = np.random.default_rng(99)
    (eval_ids, eval_mask, eval_types, eval_starts, eval_ends), eval_contexts = \
        make_batch(eval_rng, 8, max_len)
    eval_answers = list(zip(eval_starts.tolist(), eval_ends.tolist()))
    eval_every = 5

    log = StepLog("bert_qa", n_warm)
    chosen = []
    for i in range(total):
        model.train()
        (input_ids, attention_mask, token_type_ids, start_positions, end_positions), _ = \
            make_batch(rng, batch_size, max_len)
        optimizer.zero_grad()
        loss, _, _ = model(input_ids, attention_mask, token_type_ids,
                           start_positions, end_positions)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        loss_value = loss.item()
        log.step(loss_value)

        if i % eval_every == eval_every - 1:
            model.eval()
            with torch.no_grad():
                _, start_logits, end_logits = model(eval_ids, eval_mask, eval_types)
            spans = best_spans(start_logits, end_logits, eval_contexts)
            chosen.append(spans)
            exact = sum(int(tuple(s) == a) for s, a in zip(spans, eval_answers))
            print(f"step {i:3d} eval exact match {exact}/{len(spans)} spans {spans[:3]}")
        if i % 10 == 0:
            print(f"step {i:3d} loss {loss_value:.4f} lr {scheduler.get_last_lr()[0]:.2e}")
    log.record(spans=chosen)
    log.finish()


if __name__ == "__main__":
    main()
