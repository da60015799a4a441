"""BERT-Q&A: extractive question answering with a small BERT encoder and
start/end span heads (the paper's "BERT-Q&A" program, after Devlin et al.
2019 on SQuAD and the Hugging Face BertForQuestionAnswering code layout,
including its run_squad-style post-processing).

The encoder is bert_model.py, shared with bert_cls.py (config object, nn.Module
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

import numpy as np
import torch
import torch.nn as nn

from bert_model import BertConfig, BertModel, weight_decay_groups
from common import StepLog, init_parameters, steps, warmup


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

    grouped = weight_decay_groups(model)
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
