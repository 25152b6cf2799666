"""intern's builtin evaluator: multiple-choice accuracy by log-likelihood, on a local file.

Each line of the data file is {"question": str, "choices": [str, ...], "answer": int}. The
question is put to the model as a user turn (through its chat template when it has one); each
choice is scored as the assistant's reply by the sum of its tokens' log-probabilities. The
highest-scoring choice is the model's answer. `acc` counts raw scores, `acc_norm` divides each
score by the choice's length in characters and `acc_bytes` by its length in bytes.

The scoring rule is lm-evaluation-harness's, so that the two agree on the same items: whitespace
that ends the prompt is scored as part of the choice, and a choice's tokens are those of prompt
plus choice after the prompt's own. Few-shot examples are the first items of the file, never the
item being asked (lm-eval's `first_n` sampler). Results are written in lm-eval's JSON shape, with
the standard error of each metric.

    python evaluate_builtin.py --model DIR --data bench.jsonl --output results/ [--limit N]
"""
import argparse
import json
import math
import os
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def load_items(path):
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if not isinstance(item.get("question"), str) or not isinstance(item.get("choices"), list) or not isinstance(item.get("answer"), int):
                raise SystemExit(f"{path}:{n}: each line needs question (text), choices (list) and answer (index)")
            if not 0 <= item["answer"] < len(item["choices"]):
                raise SystemExit(f"{path}:{n}: answer {item['answer']} is not an index into choices")
            items.append(item)
    return items


def prompt_for(tokenizer, item, shots):
    if tokenizer.chat_template:
        messages = []
        for shot in shots:
            messages += [{"role": "user", "content": shot["question"]}, {"role": "assistant", "content": shot["choices"][shot["answer"]]}]
        messages.append({"role": "user", "content": item["question"]})
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    text = "".join(f"Question: {s['question']}\nAnswer: {s['choices'][s['answer']]}\n\n" for s in shots)
    return f"{text}Question: {item['question']}\nAnswer:"


@torch.no_grad()
def choice_logprob(model, tokenizer, context, continuation, device):
    trailing = len(context) - len(context.rstrip())
    if trailing:
        context, continuation = context[:-trailing], context[-trailing:] + continuation
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    start = len(tokenizer(context, add_special_tokens=False)["input_ids"])
    ids = torch.tensor([whole], device=device)
    logits = model(ids).logits.float().log_softmax(-1)[0]
    return sum(logits[i - 1, whole[i]].item() for i in range(max(start, 1), len(whole)))


def stderr(values):
    n = len(values)
    if n < 2:
        return 0.0
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--revision", default=None)
    parser.add_argument("--data", required=True)
    parser.add_argument("--metric", default="acc")
    parser.add_argument("--num-fewshot", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--name", default="builtin")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    torch.manual_seed(0)
    started = time.time()
    tokenizer = AutoTokenizer.from_pretrained(args.model, revision=args.revision)
    model = AutoModelForCausalLM.from_pretrained(args.model, revision=args.revision).to(args.device).eval()
    pool = load_items(args.data)
    items = pool[: args.limit] if args.limit else pool
    delimiter = "" if tokenizer.chat_template else " "
    acc, acc_norm, acc_bytes, samples = [], [], [], []
    for idx, item in enumerate(items):
        context = [s for s in pool if s != item][: args.num_fewshot] if args.num_fewshot else []
        prompt = prompt_for(tokenizer, item, context)
        scores = [choice_logprob(model, tokenizer, prompt, delimiter + c, args.device) for c in item["choices"]]
        best = lambda values: max(range(len(values)), key=lambda i: values[i])
        pred = best(scores)
        pred_norm = best([s / max(1, len(c)) for s, c in zip(scores, item["choices"])])
        pred_bytes = best([s / max(1, len(c.encode("utf-8"))) for s, c in zip(scores, item["choices"])])
        acc.append(1.0 if pred == item["answer"] else 0.0)
        acc_norm.append(1.0 if pred_norm == item["answer"] else 0.0)
        acc_bytes.append(1.0 if pred_bytes == item["answer"] else 0.0)
        samples.append({"doc_id": idx, "target": item["answer"], "scores": scores, "acc": acc[-1], "acc_norm": acc_norm[-1], "acc_bytes": acc_bytes[-1]})

    results = {
        "acc,none": sum(acc) / len(acc),
        "acc_stderr,none": stderr(acc),
        "acc_norm,none": sum(acc_norm) / len(acc_norm),
        "acc_norm_stderr,none": stderr(acc_norm),
        "acc_bytes,none": sum(acc_bytes) / len(acc_bytes),
        "acc_bytes_stderr,none": stderr(acc_bytes),
        "alias": args.name,
    }
    out = {
        "results": {args.name: results},
        "n-samples": {args.name: {"original": len(items), "effective": len(items)}},
        "config": {"model": args.model, "revision": args.revision, "data": args.data, "num_fewshot": args.num_fewshot, "limit": args.limit, "device": args.device},
        "harness": "intern-builtin",
        "total_evaluation_time_seconds": f"{time.time() - started:.3f}",
    }
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "results.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
    with open(os.path.join(args.output, "samples.jsonl"), "w", encoding="utf-8") as f:
        for s in samples:
            f.write(json.dumps(s) + "\n")
    metric = f"{args.metric},none"
    print(json.dumps({"metric": args.metric, "value": results.get(metric), "stderr": results.get(f"{args.metric}_stderr,none"), "n": len(items)}))


if __name__ == "__main__":
    main()
