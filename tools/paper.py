"""The LLFree paper's published numbers, for reports that set a log beside them.

Source: Wrenger et al., "LLFree: Scalable and Optionally-Persistent Page-Frame
Allocation", USENIX ATC 2023, and the measurements of its artifact, on an
Intel Xeon Gold 5320 (one socket, 26 cores, 128 GiB). In the timing table,
"kernel" means the allocator ran inside Linux 6.0 and "user" that LLFree was
benchmarked in user space on a mapped region. The fragmentation run was a
Linux 6.0 kernel module in an 8-vCPU, 128 GiB VM, 100 rounds.

Which of our logs a paper row is compared with: rows of our kernel (QEMU,
hardware) for "kernel", rows of the host program (llfree-bench, ENV
platform=host) for "user". Our buddy allocator is a Linux-style baseline,
not Linux's own; it is compared with Linux's buddy allocator in both places.

Pure data and small helpers; no imports beyond the standard library.
"""

from collections import namedtuple

SOURCE = ("Wrenger et al., LLFree (USENIX ATC'23) and its artifact: Intel Xeon Gold 5320, "
          "26 cores, 128 GiB")
CORES = (1, 4, 8, 16, 26)

# bench, op (get: alloc, or the alloc+free pair of repeat; put: free), order,
# alloc (our allocator's name), where (kernel | user), what the paper calls it,
# ns per operation at each of CORES.
Timing = namedtuple("Timing", "bench op order alloc where label ns")

TIMINGS = [
    Timing("bulk", "get", 0, "buddy", "kernel", "Linux buddy (kernel)", (94, 150, 298, 599, 984)),
    Timing("bulk", "get", 0, "llfree", "kernel", "LLFree (kernel)", (83, 83, 86, 95, 118)),
    Timing("bulk", "get", 0, "llfree", "user", "LLFree (user)", (49, 48, 48, 48, 48)),
    Timing("bulk", "get", 0, "list", "user", "spin-locked list (user)", (35, 1040, 3923, 12744, 32755)),
    Timing("bulk", "put", 0, "buddy", "kernel", "Linux buddy (kernel)", (90, 173, 354, 731, 1241)),
    Timing("bulk", "put", 0, "llfree", "user", "LLFree (user)", (41, 42, 41, 41, 42)),
    Timing("bulk", "get", 9, "buddy", "kernel", "Linux buddy (kernel)", (2615, 11141, 22445, 44860, 73003)),
    Timing("bulk", "get", 9, "llfree", "kernel", "LLFree (kernel)", (272, 351, 484, 851, 1364)),
    Timing("bulk", "get", 9, "llfree", "user", "LLFree (user)", (44, 46, 47, 48, 48)),
    Timing("rand", "put", 0, "buddy", "kernel", "Linux buddy (kernel)", (257, 588, 1199, 2395, 3933)),
    Timing("rand", "put", 0, "llfree", "kernel", "LLFree (kernel)", (137, 214, 230, 252, 271)),
    Timing("rand", "put", 0, "llfree", "user", "LLFree (user)", (53, 87, 102, 126, 157)),
    Timing("repeat", "get", 0, "buddy", "kernel", "Linux buddy (kernel)", (112, 112, 112, 112, 112)),
    Timing("repeat", "get", 0, "llfree", "kernel", "LLFree (kernel)", (183, 187, 185, 184, 185)),
    Timing("repeat", "get", 0, "llfree", "user", "LLFree (user)", (91, 91, 91, 91, 92)),
]

# Headline claims: LLFree's bulk allocation time against Linux's buddy at 26
# cores (percent less), per order.
ALLOC_CUT_PERCENT = {0: 88, 9: 98}
ALLOC_CUT_CORES = 26

# The fragmentation run: 8 cores, 100 rounds; per allocator.
FRAG_CORES = 8
FRAG_MOVES = {10: {"llfree": 2.43e6, "buddy": 6.82e6}, 100: {"llfree": 0.27e6, "buddy": 6.63e6}}
FRAG_WHOLE_AREAS_PERCENT = {100: {"llfree": 94, "buddy": 15}}

# Metadata bytes per GiB of managed memory (LLFree: about 33 KiB; Linux's
# per-frame structures: about 4 MiB).
METADATA_PER_GIB = {"llfree": 33 << 10, "buddy": 4 << 20}

# Recovery after a crash: a few milliseconds (the paper gives no figure per GiB).
RECOVERY_TEXT = "a few ms"


def ns_at(timing, cores):
    """The paper's ns for `cores`, None where it measured no such count."""
    return timing.ns[CORES.index(cores)] if cores in CORES else None


def compares_with(timing, host_log):
    """Whether a paper row is set beside a log of the host program (True) or
    of our kernel (False)."""
    if timing.alloc == "llfree":
        return (timing.where == "user") == host_log
    return True
