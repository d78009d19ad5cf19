#!/usr/bin/python3
"""A torchvision-format ResNet-18 state dict (.pth) for benchmarks, written by PyTorch itself.

Nothing downloads here, so the pretrained regime is measured from a file in the official
format (same keys, shapes and pickle layout as torchvision's resnet18-f37072fd.pth), with
random weights. --denormal-layer4 makes it look like weights that decayed for 3 epochs at
32 px (issue 12): the 8 outer taps of every layer4 3x3 kernel hold denormal floats;
--zero-layer4 writes the same file with those taps zeroed.

  /usr/bin/python3 bench/write_weights.py OUT.pth [--denormal-layer4 | --zero-layer4]
"""
import argparse

import torch
import torchvision


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--denormal-layer4", action="store_true")
    group.add_argument("--zero-layer4", action="store_true")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    state = torchvision.models.resnet18(weights=None).state_dict()
    count = 0
    if args.denormal_layer4 or args.zero_layer4:
        for key, tensor in state.items():
            if key.startswith("layer4.") and ".conv" in key and tensor.shape[-1] == 3:
                outer = torch.ones_like(tensor, dtype=torch.bool)
                outer[..., 1, 1] = False
                sign = torch.sign(tensor[outer])
                tensor[outer] = 0.0 if args.zero_layer4 else sign * 1e-39 * (1 + torch.rand_like(sign))
                count += int(outer.sum())
    torch.save(state, args.out)
    tiny = sum(int(((t != 0) & (t.abs() < torch.finfo(torch.float32).tiny)).sum())
               for t in state.values() if t.is_floating_point())
    print(f"{args.out}: {len(state)} tensors, {count} layer4 taps changed, {tiny} denormal values")


if __name__ == "__main__":
    main()
