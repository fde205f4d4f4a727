"""Peak resident memory of a child process and everything it starts (dbt included).

One sampler for `revwh run` and for the bound, so their figures compare: the RSS of the process
and all its descendants is summed every 0.1 s with psutil, and the largest sum is kept.
"""

from __future__ import annotations

import subprocess
import threading

import psutil


class PeakRss:
    """Samples `child`'s process tree from construction until stop(); peak_mb is the result."""

    def __init__(self, child: subprocess.Popen, interval: float = 0.1) -> None:
        self._tree, self._interval = psutil.Process(child.pid), interval
        self._peak, self._done = 0, threading.Event()
        self._root_peak = self._children_peak = 0  # where the peak sits: revwh itself, or dbt
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            total = root = 0
            try:
                processes = [self._tree, *self._tree.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for p in processes:
                try:
                    rss = p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                total += rss
                root = rss if p is self._tree else root
            self._peak = max(self._peak, total)
            self._root_peak = max(self._root_peak, root)
            self._children_peak = max(self._children_peak, total - root)
            self._done.wait(self._interval)

    def stop(self) -> int:
        """Stop sampling; the peak in MiB."""
        self._done.set()
        self._thread.join()
        return round(self._peak / 2**20)

    def split_mb(self) -> tuple[int, int]:
        """(peak of the process itself, peak of its children together), MiB; call after stop()."""
        return round(self._root_peak / 2**20), round(self._children_peak / 2**20)
