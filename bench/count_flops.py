#!/usr/bin/python3
"""FLOPs of one image through torchvision's ResNet (issue 6, "distance to the limit").

Counts multiply-accumulates of every Conv2d and Linear with forward hooks (BatchNorm, ReLU,
pooling and additions are a few percent and left out, so the achieved GFLOP/s derived from
these counts is a slight underestimate). A training step costs about 3x the forward FLOPs when
the whole network trains (forward, gradient w.r.t. activations, gradient w.r.t. weights), and
the forward plus a negligible head update while the backbone is frozen.

  /usr/bin/python3 bench/count_flops.py --arch resnet18 --input-size 32
"""
import argparse
import json

import torch
import torchvision


def forward_flops(arch, input_size, classes):
    model = getattr(torchvision.models, arch)(num_classes=classes).eval()
    macs = {"conv": 0, "linear": 0}

    def conv_hook(module, inputs, output):
        kh, kw = module.kernel_size
        macs["conv"] += output.numel() * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, inputs, output):
        macs["linear"] += output.numel() * module.in_features

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(conv_hook)
        elif isinstance(m, torch.nn.Linear):
            m.register_forward_hook(linear_hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, input_size, input_size))
    return 2 * macs["conv"], 2 * macs["linear"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--input-size", type=int, default=32)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()
    conv, linear = forward_flops(args.arch, args.input_size, args.classes)
    forward = conv + linear
    print(json.dumps({"arch": args.arch, "input_size": args.input_size,
                      "forward_mflop_per_image": forward / 1e6,
                      "train_step_mflop_per_image_unfrozen": 3 * forward / 1e6,
                      "train_step_mflop_per_image_frozen": (forward + 2 * linear) / 1e6}))


if __name__ == "__main__":
    main()
