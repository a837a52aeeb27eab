#!/usr/bin/python3
"""PyTorch CUDA throughput of the trainer's model, the anchor of bench/gpu.sh.

The same model as scalefit's decoder LM and as the CPU anchor (tiny_lm_torch.py of the project's peer
baselines): byte-level tokens of the bundled King James Bible, learned positions, pre-LayerNorm blocks with
causal multi-head attention (fused QKV Linear with bias) and a 4x GELU MLP, final LayerNorm, head tied to the
token embedding, N(0, 0.02) initialisation; AdamW (lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01),
constant LR, float32, 2 layers, 4 heads, seq 64, batch 16, 50 steps. Tokens/s over steps 6..50, each step
synchronised (torch.cuda.synchronize) before its time is taken. Prints one JSON document.

  python3 bench/gpu_torch.py --d-model 128 256 512 1024
"""
import argparse
import gzip
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x, mask):
        B, T, C = x.shape
        hd = C // self.n_head
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, hd).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd)) + mask[:T, :T]
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class TinyLM(nn.Module):
    def __init__(self, vocab, d, n_layer, n_head, seq_len):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq_len, d)
        self.blocks = nn.ModuleList(Block(d, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("mask", torch.full((seq_len, seq_len), float("-inf")).triu(1))
        for mod in self.modules():
            if isinstance(mod, (nn.Linear, nn.Embedding)):
                nn.init.normal_(mod.weight, 0.0, 0.02)
                if isinstance(mod, nn.Linear) and mod.bias is not None:
                    nn.init.zeros_(mod.bias)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
        for blk in self.blocks:
            x = blk(x, self.mask)
        return self.ln_f(x) @ self.tok.weight.t()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--d-model", type=int, nargs="+", default=[128, 256, 512, 1024])
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    device = torch.device("cuda")
    raw = gzip.open("data/kjv/kjv.txt.gz").read()
    symbols = sorted(set(raw))
    index = {b: i for i, b in enumerate(symbols)}
    data = np.array([index[b] for b in raw], dtype=np.int64)
    train = data[: int(0.9 * len(data))]
    rows = []
    for d in args.d_model:
        torch.manual_seed(0)
        rng = np.random.default_rng(0)
        model = TinyLM(len(symbols), d, 2, 4, 64).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
        times, losses = [], []
        for _ in range(args.steps):
            off = rng.integers(0, len(train) - 65, 16)
            x = torch.from_numpy(np.stack([train[o : o + 64] for o in off])).to(device)
            y = torch.from_numpy(np.stack([train[o + 1 : o + 65] for o in off])).to(device)
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            loss = F.cross_entropy(model(x).view(-1, len(symbols)), y.view(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
            losses.append(float(loss))
        steady = times[5:]
        rows.append({"d_model": d, "tokens_per_s_steady": 16 * 64 * len(steady) / sum(steady), "first20": losses[:20]})
    print(json.dumps({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
