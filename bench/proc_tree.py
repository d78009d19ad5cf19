"""Peak memory of a process tree, sampled from /proc (no third-party modules).

Used by reference_seed.py (its own tree: the script + DataLoader workers) and by run_bench.py
(the engine's process). Sums VmRSS (shared pages counted once per process: an upper bound) and
Pss from /proc/PID/smaps_rollup (shared pages split between the processes mapping them).
"""
import os
import threading


class TreeRssSampler(threading.Thread):
    """Largest sum of VmRSS over this process and its live descendants, sampled from /proc."""

    def __init__(self, root=None, period=0.05):
        super().__init__(daemon=True)
        self.root = root if root is not None else os.getpid()
        self.period = period
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self._halt = threading.Event()

    @staticmethod
    def _children(pid):
        out = []
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(x) for x in f.read().split())
        except OSError:
            pass
        return out

    @staticmethod
    def _rss_kb(pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def _pss_kb(pid):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def sample(self):
        total, pss, todo, seen = 0, 0, [self.root], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            total += self._rss_kb(pid)
            pss += self._pss_kb(pid)
            todo.extend(self._children(pid))
        self.peak_kb = max(self.peak_kb, total)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)

    def run(self):
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.period)

    def stop(self):
        self._halt.set()
        self.join()
        self.sample()
