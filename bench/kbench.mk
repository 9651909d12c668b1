# SPDX-License-Identifier: MIT
# bench/kbench.mk: the kbench suite runner and its suites.
