#!/usr/bin/python3
"""PyTorch reference for bench/train.ts: the same model and step, timed on the CPU or CUDA.

ConvLSTM or PredRNN (ST-LSTM) as docs/method.md §2 states them, on patched 64×64×1 clips
(patch 4 → 16×16×16), 5×5 "same" convolutions without bias (ConvLSTM gates with bias),
10 → 10 frames = 19 recurrent steps, scheduled-sampling mix of truth and guess from step
Tin on, MSE over all 19 guesses, Adam. One training iteration = forward + BPTT + Adam step;
one inference pass = the 19-step rollout under no_grad feeding back its own guesses.

Prints one JSON object. Run with Debian's python3-torch: /usr/bin/python3 predrnn_step.py
PredRNN++, PredRNN-V2 (with its decoupling loss, β = 0.1), MIM, MAU and SimVP are the parity
tests' references (src-main/ml/cells/fixtures/, src-main/ml/simvp/fixtures/), written from the
papers and checked against the workbench's networks there; the recurrent ones roll out on
their own guesses after Tin, as the trainer does once η has reached 0, and SimVP maps the Tin
context frames to the next Tin at once. --model-options carries what MAU and SimVP read
beyond the stack (bench/pytorch-reference.ts's referenceOptions), as JSON.

With --serve it builds the model once, prints a JSON line saying what it runs on, then times
one training iteration per "train" line and one inference pass per "infer" line on stdin (one
JSON line each), so that bench/train.ts and bench/gpu can interleave it with our trainer.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn


class ConvLstmCell(nn.Module):
    """[i,f,o,g] = split4(Conv[X, H] + b); C = σ(f)C + σ(i)tanh(g); H = σ(o)tanh(C)."""

    def __init__(self, in_ch, hidden, k):
        super().__init__()
        self.conv = nn.Conv2d(in_ch + hidden, 4 * hidden, k, padding=k // 2)

    def forward(self, x, h, c, m):
        i, f, o, g = torch.split(self.conv(torch.cat([x, h], 1)), h.shape[1], 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c, m


class StLstmCell(nn.Module):
    """ST-LSTM: a second memory M zig-zags through the layers (docs/method.md §2.2)."""

    def __init__(self, in_ch, hidden, k):
        super().__init__()
        p = k // 2
        self.conv_x = nn.Conv2d(in_ch, 7 * hidden, k, padding=p, bias=False)
        self.conv_h = nn.Conv2d(hidden, 4 * hidden, k, padding=p, bias=False)
        self.conv_m = nn.Conv2d(hidden, 3 * hidden, k, padding=p, bias=False)
        self.conv_o = nn.Conv2d(2 * hidden, hidden, k, padding=p, bias=False)
        self.conv_last = nn.Conv2d(2 * hidden, hidden, 1, bias=False)

    def forward(self, x, h, c, m):
        n = h.shape[1]
        ix, fx, gx, ixp, fxp, gxp, ox = torch.split(self.conv_x(x), n, 1)
        ih, fh, gh, oh = torch.split(self.conv_h(h), n, 1)
        im, fm, gm = torch.split(self.conv_m(m), n, 1)
        c = torch.sigmoid(fx + fh + 1) * c + torch.sigmoid(ix + ih) * torch.tanh(gx + gh)
        m = torch.sigmoid(fxp + fm + 1) * m + torch.sigmoid(ixp + im) * torch.tanh(gxp + gm)
        cm = torch.cat([c, m], 1)
        o = torch.sigmoid(ox + oh + self.conv_o(cm))
        return o * torch.tanh(self.conv_last(cm)), c, m


class Network(nn.Module):
    def __init__(self, cell, frame_ch, hidden, k):
        super().__init__()
        kind = StLstmCell if cell == "predrnn" else ConvLstmCell
        ins = [frame_ch] + hidden[:-1]
        self.cells = nn.ModuleList(kind(i, h, k) for i, h in zip(ins, hidden))
        self.hidden = hidden
        self.out = nn.Conv2d(hidden[-1], frame_ch, 1, bias=False)

    def forward(self, frames, t_in, mask):
        """frames [B,T,C,h,w]; mask [B,T-1-t_in] of 0/1 (1 = feed the truth)."""
        b, t_total, _, hh, ww = frames.shape
        zeros = [frames.new_zeros(b, n, hh, ww) for n in self.hidden]
        h, c = list(zeros), list(zeros)
        m = frames.new_zeros(b, self.hidden[0], hh, ww)
        guesses = []
        for t in range(t_total - 1):
            if t < t_in or mask is None:
                x = frames[:, t]
            else:
                w = mask[:, t - t_in].view(b, 1, 1, 1)
                x = w * frames[:, t] + (1 - w) * guesses[-1]
            for layer, cell in enumerate(self.cells):
                h[layer], c[layer], m = cell(x if layer == 0 else h[layer - 1], h[layer], c[layer], m)
            guesses.append(self.out(h[-1]))
        return torch.stack(guesses, 1)


def seconds_per_call(fn, warmup, iterations, sync):
    for _ in range(warmup):
        fn()
    sync()
    start = time.perf_counter()
    for _ in range(iterations):
        fn()
    sync()
    return (time.perf_counter() - start) / iterations


def describe(device):
    """What the timings ran on, for bench/gpu's gpu.json."""
    info = {"torchVersion": torch.__version__, "device": device.type, "threads": torch.get_num_threads()}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cudaVersion"] = torch.version.cuda
        info["cudnnVersion"] = torch.backends.cudnn.version()
    return info


def serve(commands, warmup, sync, info):
    """Answers each "train" or "infer" line on stdin with the seconds of one call."""
    for _ in range(warmup):
        commands["train"]()
    sync()
    print(json.dumps({"ready": True, **info}), flush=True)
    for line in sys.stdin:
        command = commands.get(line.strip())
        if command is None:
            print(json.dumps({"error": f"unknown command {line.strip()!r}"}), flush=True)
            continue
        start = time.perf_counter()
        command()
        sync()
        print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


ML = Path(__file__).resolve().parents[2] / "src-main" / "ml"


def fixture_model(cell, frame_ch, hidden, k, side, t_in, options):
    """A parity reference as (module, frames → (guesses, extra loss)); imported on demand, so
    the GPU bundle, which carries this script alone, runs the two cells above without them.
    The guesses are the last frames of the clip: all but the first (recurrent) or the Tin
    after the context (SimVP)."""
    sys.path[:0] = [str(ML / "cells" / "fixtures"), str(ML / "simvp" / "fixtures")]
    grid = (side, side)
    if cell == "predrnnpp":
        from predrnnpp_reference import PredRnnPlusPlus

        net = PredRnnPlusPlus(hidden, k, frame_ch, grid, False)
        return net, lambda frames: (net(frames, t_in, frames.shape[1] - 1), 0.0)
    if cell == "mim":
        from mim_reference import Mim

        net = Mim(hidden, k, frame_ch, grid, False)
        return net, lambda frames: (net(frames, t_in, frames.shape[1] - 1), 0.0)
    if cell == "mau":
        from mau_reference import Mau

        net = Mau(hidden, k, frame_ch, grid, options["sr_size"], options["tau"])
        return net, lambda frames: (net(frames, t_in, frames.shape[1] - 1), 0.0)
    if cell == "e3d":
        from e3d_reference import E3dLstm

        window, carried = options["window"], options["carry_memory"] == 1
        net = E3dLstm(hidden, k, frame_ch, grid, False, window, carried)
        return net, lambda frames: (net(frames, t_in, frames.shape[1] - 1), 0.0)
    if cell in ("simvp", "tau"):
        from simvp_reference import SimVp, differential_divergence

        net = SimVp(options)

        def one_pass(frames):
            guesses = net(frames[:, :t_in])
            truth = frames[:, t_in : t_in + guesses.shape[1]]
            # TAU trains on MSE + α·DDR (OpenSTL's TAU: α = 0.1); SimVP on MSE alone.
            alpha = options.get("ddr_weight", 0)
            return guesses, alpha * differential_divergence(guesses, truth) if alpha else 0.0

        return net, one_pass
    from predrnnv2_reference import PredRnnV2

    net = PredRnnV2(hidden, k, frame_ch, grid, False)

    def forward(frames):
        # Every step after the first reads the truth: the mask of a run before η falls.
        mask = frames.new_ones(frames.shape[0], frames.shape[1] - 2)
        guesses, decouple = net(frames, mask)
        return guesses, 0.1 * decouple

    return net, forward


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--cell",
        choices=["convlstm", "predrnn", "predrnnpp", "predrnnv2", "mim", "mau", "e3d", "simvp", "tau"],
        default="predrnn",
    )
    ap.add_argument(
        "--model-options", default="{}", help="JSON: MAU's, E3D-LSTM's, SimVP's and TAU's sizes"
    )
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--kernel", type=int, default=5)
    ap.add_argument("--patch", type=int, default=4)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--input-frames", type=int, default=10)
    ap.add_argument("--output-frames", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--serve", action="store_true", help="time one iteration per stdin line")
    a = ap.parse_args()

    # Debian's build defaults to one thread here; compare like with like.
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    frame_ch, side = a.patch * a.patch, a.size // a.patch
    t_total = a.input_frames + a.output_frames
    device = torch.device(a.device)
    # CUDA runs asynchronously: a timing ends when the device has finished the work.
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    hidden = [a.hidden] * a.layers
    frames = torch.rand(a.batch, t_total, frame_ch, side, side, device=device)
    if a.cell in ("convlstm", "predrnn"):
        net = Network(a.cell, frame_ch, hidden, a.kernel)
        mask = torch.ones(a.batch, a.output_frames - 1, device=device)
        forward = lambda clip: (net(clip, a.input_frames, mask), 0.0)
        rollout = lambda clip: net(clip, a.input_frames, torch.zeros_like(mask))
    else:
        options = json.loads(a.model_options)
        net, forward = fixture_model(a.cell, frame_ch, hidden, a.kernel, side, a.input_frames, options)
        rollout = lambda clip: forward(clip)[0]
    net.to(device)
    adam = torch.optim.Adam(net.parameters(), lr=3e-4, eps=1e-8)

    def train_step():
        adam.zero_grad()
        guesses, extra = forward(frames)
        loss = torch.mean((guesses - frames[:, frames.shape[1] - guesses.shape[1] :]) ** 2) + extra
        loss.backward()
        adam.step()

    def infer():
        with torch.no_grad():
            rollout(frames)

    if a.serve:
        serve({"train": train_step, "infer": infer}, a.warmup, sync, describe(device))
        return
    print(json.dumps({
        "trainSecondsPerIteration": seconds_per_call(train_step, a.warmup, a.iterations, sync),
        "inferSecondsPerPass": seconds_per_call(infer, a.warmup, a.iterations, sync),
        "threads": torch.get_num_threads(),
        "torchVersion": torch.__version__,
    }))


if __name__ == "__main__":
    main()
