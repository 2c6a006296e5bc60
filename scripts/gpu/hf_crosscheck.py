#!/usr/bin/env python3
"""Cross-check grow4j against Hugging Face transformers, the families' reference implementation.

For each family: transformers itself creates a small random checkpoint (`from_config` + `save_pretrained`, so names,
dtypes and config keys are exactly what the library publishes), grow4j grows it with a plan, and transformers loads
the original and the grown directory and compares their logits in float64 on the same random token ids (past
`original_max_position_embeddings` where a RoPE scaling has one). It also compares grow4j's greedy ids on the
original with transformers' greedy ids from the same BOS, which checks grow4j's forward pass against the reference.

Runs where torch and transformers are installed (the GPU machine's image); grow4j is run as a command, by default
`java --add-modules jdk.incubator.vector -jar .gpu/jars/grow4j.jar`. Usage:
    python3 scripts/gpu/hf_crosscheck.py --work /tmp/xc --json OUT.json [--only llama,qwen3]
A family whose full plan is refused is retried step by step, so one run says which steps each family accepts.
"""
import argparse
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import time
import traceback

import torch
import transformers
from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

TINY = dict(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=256, bos_token_id=1, eos_token_id=2,
            rms_norm_eps=1e-5, tie_word_embeddings=False)

PAPER_STEPS = [("mlp", "{size: 192}"), ("heads", "{add: 2}"), ("head_dim", "{size: 32}"), ("hidden", "{size: 96}"),
               ("layers", "{add: 1, at: [1]}")]


def rope(kind, theta=10000.0, **fields):
    return dict(rope_type=kind, rope_theta=theta, **fields)


# name: (model_type, config overrides, head class, plan steps)
FAMILIES = {
    "llama": ("llama", {}, "causal", PAPER_STEPS),
    "llama-bias": ("llama", dict(attention_bias=True, mlp_bias=True), "causal", PAPER_STEPS),
    "llama32": ("llama", dict(tie_word_embeddings=True, head_dim=24,
                              rope_parameters=rope("llama3", 500000.0, factor=8.0, low_freq_factor=1.0,
                                                   high_freq_factor=4.0, original_max_position_embeddings=32)),
                "causal", [("mlp", "{size: 192}"), ("heads", "{add: 2}"), ("head_dim", "{size: 48}"),
                           ("hidden", "{size: 96}"), ("layers", "{add: 1, at: [1]}")]),
    "llama-linear": ("llama", dict(rope_parameters=rope("linear", factor=4.0)), "causal", PAPER_STEPS),
    "mistral": ("mistral", dict(head_dim=16), "causal", PAPER_STEPS),
    "qwen2": ("qwen2", {}, "causal", PAPER_STEPS),
    "qwen3": ("qwen3", dict(head_dim=16), "causal", PAPER_STEPS),
    "olmo2": ("olmo2", {}, "causal", PAPER_STEPS),
    # GPT-2 and BERT fix head size = hidden / heads, so heads and hidden grow together
    "gpt2": ("gpt2", dict(n_embd=64, n_head=4, n_layer=2, n_positions=256, n_inner=128, tie_word_embeddings=True),
             "causal", [("mlp", "{size: 192}"), ("heads", "{add: 2}"), ("hidden", "{size: 96}"),
                        ("layers", "{add: 1, at: [1]}")]),
    "bert": ("bert", dict(num_key_value_heads=None, type_vocab_size=2, layer_norm_eps=1e-12), "encoder",
             [("mlp", "{size: 192}"), ("heads", "{add: 4}"), ("hidden", "{size: 128}")]),  # post-norm: x2 only
    "mixtral": ("mixtral", dict(num_local_experts=4, num_experts_per_tok=2, head_dim=16), "causal", PAPER_STEPS),
    "llama-upcycle": ("llama", {}, "causal", [("moe", "{experts: 4, top_k: 2}")]),
    "gemma2": ("gemma2", dict(head_dim=16, query_pre_attn_scalar=16, sliding_window=8, attn_logit_softcapping=50.0,
                              final_logit_softcapping=30.0, tie_word_embeddings=True, rms_norm_eps=1e-6),
               "causal", [("mlp", "{size: 192}"), ("heads", "{add: 2}"), ("head_dim", "{size: 32}"),
                          ("hidden", "{size: 96}"), ("layers", "{add: 2, at: [1, 2]}")]),
    "gemma3": ("gemma3_text", dict(head_dim=16, query_pre_attn_scalar=16, sliding_window=8, num_hidden_layers=3,
                                   tie_word_embeddings=True, rms_norm_eps=1e-6,
                                   layer_types=["sliding_attention", "full_attention", "sliding_attention"]),
               "causal", [("mlp", "{size: 192}"), ("heads", "{add: 2}"), ("head_dim", "{size: 32}"),
                          ("hidden", "{size: 96}"), ("layers", "{add: 1, at: [1]}")]),
    "phi3": ("phi3", dict(partial_rotary_factor=0.5, pad_token_id=0), "causal", PAPER_STEPS),
    "phi3-longrope": ("phi3", dict(pad_token_id=0, original_max_position_embeddings=32,
                                   rope_parameters=dict(rope_type="longrope", rope_theta=10000.0,
                                                        short_factor=[1.0 + 0.1 * i for i in range(8)],
                                                        long_factor=[2.0 + 0.5 * i for i in range(8)])),
                      "causal", PAPER_STEPS),
    "smollm3": ("smollm3", dict(no_rope_layers=[1, 0], pad_token_id=0), "causal", PAPER_STEPS),
    "gpt_neox": ("gpt_neox", dict(rotary_pct=0.5, num_key_value_heads=None, layer_norm_eps=1e-5,
                                  use_parallel_residual=True), "causal",
                 [("mlp", "{size: 192}"), ("heads", "{add: 2}"), ("head_dim", "{size: 32}"),
                  ("hidden", "{size: 96}"), ("layers", "{add: 1, at: [1]}")]),
    "gpt_neox-seq": ("gpt_neox", dict(rotary_pct=0.25, num_key_value_heads=None, layer_norm_eps=1e-5,
                                      use_parallel_residual=False), "causal",
                     [("mlp", "{size: 192}"), ("heads", "{add: 2}"), ("head_dim", "{size: 32}"),
                      ("hidden", "{size: 96}"), ("layers", "{add: 1, at: [1]}")]),
    "qwen2_moe": ("qwen2_moe", dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=96,
                                    shared_expert_intermediate_size=128, norm_topk_prob=True), "causal",
                  PAPER_STEPS),
}


def make_config(model_type, overrides):
    kw = dict(TINY)
    kw.update(overrides)
    kw = {k: v for k, v in kw.items() if v is not None}
    if model_type == "gpt2":
        for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                  "num_key_value_heads", "max_position_embeddings", "rms_norm_eps"):
            kw.pop(k, None)
    if model_type == "bert":
        kw.pop("rms_norm_eps", None)
    try:
        return AutoConfig.for_model(model_type, **kw)
    except Exception:
        if "rope_parameters" not in kw:
            raise
        params = dict(kw.pop("rope_parameters"))
        kw["rope_theta"] = params.pop("rope_theta", 10000.0)
        kw["rope_scaling"] = params
        return AutoConfig.for_model(model_type, **kw)


def tie(model):
    """Ties the head to the token embedding when the config says so. Done by hand because transformers 5.17 left
    them apart in `from_config` (GPT-2 saved a perturbed lm_head beside the embedding) and reported a tied Llama's
    lm_head as missing on load (so its logits came from a fresh random head)."""
    if getattr(model.config, "tie_word_embeddings", False) and model.get_output_embeddings() is not None:
        model.get_output_embeddings().weight = model.get_input_embeddings().weight
    return model


def perturb(model, seed):
    """Makes every parameter nontrivial (norm gains away from 1, biases away from 0), reproducibly."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            p.add_(torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype) * 0.05)


def load(path, head, dtype):
    cls = AutoModelForCausalLM if head == "causal" else AutoModel
    try:
        m = cls.from_pretrained(path, dtype=dtype, attn_implementation="eager")
    except TypeError:
        m = cls.from_pretrained(path, torch_dtype=dtype, attn_implementation="eager")
    return tie(m).eval()


def outputs(model, head, ids):
    with torch.no_grad():
        if head == "causal":
            return model(input_ids=ids).logits
        return model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state


def run(cmd, timeout=300):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.time() - t


def write_plan(path, steps, seed=7):
    with open(path, "w") as f:
        f.write(f"seed: {seed}\nsteps:\n")
        for kind, body in steps:
            f.write(f"  - {kind}: {body}\n")


def grow(java, src, plan_steps, out_dir, tag):
    plan = os.path.join(out_dir, f"plan-{tag}.yaml")
    write_plan(plan, plan_steps)
    out = os.path.join(out_dir, f"grown-{tag}")
    rc, so, se, secs = run(java + ["grow", src, "--plan", plan, "--out", out])
    return rc, out, (so + se).strip()[-1500:], secs


def compare(src, grown, head, seq_len, vocab):
    g = torch.Generator().manual_seed(1234)
    ids = torch.randint(3, vocab, (2, seq_len), generator=g)
    try:
        dtype = torch.float64
        a, b = load(src, head, dtype), load(grown, head, dtype)
        ya, yb = outputs(a, head, ids), outputs(b, head, ids)
    except RuntimeError as e:  # transformers 5's grouped expert matmul takes no float64
        if "double" not in str(e).lower():
            raise
        dtype = torch.float32
        a, b = load(src, head, dtype), load(grown, head, dtype)
        ya, yb = outputs(a, head, ids), outputs(b, head, ids)
    if ya.shape != yb.shape:
        return dict(error=f"output shapes differ: {tuple(ya.shape)} vs {tuple(yb.shape)}")
    rel = (ya - yb).abs().max().item() / ya.abs().max().item()
    return dict(rel_max_diff=rel, compared_in=str(dtype).replace("torch.", ""),
                params_before=sum(p.numel() for p in a.parameters()),
                params_after=sum(p.numel() for p in b.parameters()))


def greedy_hf(path, steps):
    for dtype in (torch.float64, torch.float32):  # float32 where the experts' grouped matmul refuses float64
        try:
            m = load(path, "causal", dtype)
            ids = torch.tensor([[1]])
            with torch.no_grad():
                for _ in range(steps):
                    nxt = m(input_ids=ids).logits[0, -1].argmax().item()
                    ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)
            return ids[0, 1:].tolist()
        except RuntimeError as e:
            if dtype == torch.float32 or "double" not in str(e).lower():
                raise


def check_family(name, java, work, dtype_name):
    model_type, overrides, head, steps = FAMILIES[name]
    dtype = dict(f64=torch.float64, f32=torch.float32)[dtype_name]
    tag = f"{name}-{dtype_name}"
    out_dir = os.path.join(work, tag)
    os.makedirs(out_dir, exist_ok=True)
    res = dict(family=name, model_type=model_type, dtype=dtype_name)
    try:
        torch.manual_seed(0)
        cfg = make_config(model_type, overrides)
        cls = AutoModelForCausalLM if head == "causal" else AutoModel
        model = tie(cls.from_config(cfg).to(dtype))
        perturb(model, 11)
        src = os.path.join(out_dir, "src")
        model.save_pretrained(src, safe_serialization=True)
        vocab = cfg.vocab_size
        seq = 64 if head == "causal" else 24
        rc, out, log, secs = grow(java, src, steps, out_dir, "all")
        res["grow_all"] = dict(rc=rc, seconds=round(secs, 2), log=log if rc != 0 else log[-300:])
        if rc == 0:
            res["all"] = compare(src, out, head, seq, vocab)
        else:
            res["per_step"] = {}
            for kind, body in steps:
                rc1, out1, log1, _ = grow(java, src, [(kind, body)], out_dir, kind)
                entry = dict(rc=rc1, log=log1[-600:])
                if rc1 == 0:
                    entry.update(compare(src, out1, head, seq, vocab))
                res["per_step"][kind] = entry
        if head == "causal" and dtype_name == "f64":
            rc, so, se, _ = run(java + ["generate", src, "--steps", "12", "--temperature", "0", "--print-ids"])
            if rc == 0:
                ours = [int(t) for t in so.strip().splitlines()[-1].split()]
                theirs = greedy_hf(src, 12)
                res["greedy"] = dict(grow4j=ours, transformers=theirs, same=ours == theirs)
            else:
                res["greedy"] = dict(rc=rc, log=(so + se).strip()[-600:])
    except Exception as e:  # one family's failure must not stop the others
        res["exception"] = "".join(traceback.format_exception_only(type(e), e)).strip()[-1500:]
    return res


def verdict(r):
    # The single-precision bound for both: transformers computes RMSNorm and the RoPE frequencies in float32 even in
    # a float64 model, so its float64 logits carry float32 rounding (2e-7 relative seen on untouched llama models).
    bound = 1e-5
    parts = []
    if "exception" in r:
        return "EXCEPTION " + r["exception"].splitlines()[-1][:160]
    if "all" in r:
        d = r["all"].get("rel_max_diff")
        parts.append(f"all steps: rel {d:.2e} {'PASS' if d is not None and d <= bound else 'FAIL'}"
                     if d is not None else "all steps: " + r["all"].get("error", "?"))
    else:
        parts.append(f"plan refused (rc {r['grow_all']['rc']}): " + r["grow_all"]["log"].splitlines()[-1][:120]
                     if r["grow_all"]["log"] else "plan refused")
        for k, e in r.get("per_step", {}).items():
            if e["rc"] == 0 and "rel_max_diff" in e:
                parts.append(f"{k}: {e['rel_max_diff']:.1e} {'ok' if e['rel_max_diff'] <= bound else 'FAIL'}")
            else:
                parts.append(f"{k}: refused")
    if "greedy" in r:
        parts.append("greedy " + ("same" if r["greedy"].get("same") else "DIFFERENT/" + str(r["greedy"].get("rc", ""))))
    return "; ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/xc")
    ap.add_argument("--json", default=None)
    ap.add_argument("--only", default=None)
    ap.add_argument("--java", default="java --add-modules jdk.incubator.vector -jar .gpu/jars/grow4j.jar")
    ap.add_argument("--jobs", type=int, default=8)
    args = ap.parse_args()
    java = shlex.split(args.java)
    torch.set_num_threads(1)
    names = args.only.split(",") if args.only else list(FAMILIES)
    jobs = [(n, d) for n in names for d in ("f64", "f32")]
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, {len(jobs)} checks", flush=True)
    results = []
    with concurrent.futures.ProcessPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(check_family, n, java, args.work, d): (n, d) for n, d in jobs}
        for f in concurrent.futures.as_completed(futures):
            r = f.result()
            results.append(r)
            print(f"{r['family']:14s} {r['dtype']}: {verdict(r)}", flush=True)
            if args.json:
                with open(args.json, "w") as out:
                    json.dump(sorted(results, key=lambda x: (x["family"], x["dtype"])), out, indent=1)


if __name__ == "__main__":
    sys.exit(main())
