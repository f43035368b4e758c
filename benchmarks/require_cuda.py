"""Exit with an error unless torch sees a CUDA device: the first step of ``make gpu-record``,
so that on a machine without one it stops at once, having run and recorded nothing."""

from __future__ import annotations

import sys

import torch


def main() -> int:
    if not torch.cuda.is_available():
        build = f"a CUDA {torch.version.cuda} build" if torch.version.cuda else "a CPU-only build"
        print(f"make gpu-record: expected an NVIDIA GPU with CUDA, but torch {torch.__version__} "
              f"({build}) sees none; nothing was run or recorded.", file=sys.stderr)
        return 1
    print(f"recording on {torch.cuda.get_device_name(0)} (torch {torch.__version__}, "
          f"CUDA {torch.version.cuda})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
