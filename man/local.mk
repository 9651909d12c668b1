# SPDX-License-Identifier: MIT
# man/: roff pages; each part lists its own in its local.mk.
