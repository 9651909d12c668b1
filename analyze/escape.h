/* SPDX-License-Identifier: MIT */
/*
 * escape: the analyzer's one text escaper. Names come from binaries and
 * profiles written by anyone, so they can hold any bytes: ill-formed UTF-8,
 * control characters, markup, the separators of the output format, and NUL
 * (which the model keeps inside a name as the two bytes C0 80, see
 * profile.h). Every writer of text passes names through kan_escape() with
 * the mode of its format, so whatever the input holds, the output is valid
 * for its format and one entry stays on one line. The rules are documented
 * in kprof-formats(7), "Escaping".
 *
 *   KAN_ESC_TEXT      text tables: '\' as \\, \n \t \r, other C0 and C1
 *                     controls and DEL as \xNN (C1 as \u0080..\u009f), NUL
 *                     as \0, each ill-formed byte as \xNN (so the output is
 *                     valid UTF-8 and the bytes can still be told apart).
 *   KAN_ESC_MESSAGE   an error message (kan_die): as KAN_ESC_TEXT but '\'
 *                     kept, so that a file name or option value read from
 *                     the command line cannot break the one line.
 *   KAN_ESC_FOLDED    folded stacks: ';' as ':', controls (NUL too) as '?',
 *                     ill-formed UTF-8 as U+FFFD, a trailing " <digits>"
 *                     with '_' for the space, an empty name as [unknown].
 *   KAN_ESC_XML_TEXT  XML 1.0 character data (SVG, HTML, JUnit): & < >
 *                     escaped, LF and TAB kept, CR as &#13;; characters XML
 *                     forbids (other controls, NUL, U+FFFE, U+FFFF) and
 *                     ill-formed UTF-8 as U+FFFD.
 *   KAN_ESC_XML_ATTR  the same for a double-quoted attribute value, plus
 *                     " ' TAB LF as character references.
 *   KAN_ESC_GH_DATA   GitHub Actions workflow command message: % CR LF as
 *                     %25 %0D %0A, ill-formed UTF-8 as U+FFFD.
 *   KAN_ESC_GH_PROP   a property value: also ':' and ',' as %3A and %2C.
 *
 * Ill-formed UTF-8 is replaced per maximal subpart (ku_utf8_seq). JSON is
 * lib/json-write.c's (the same rules, NUL as \u0000).
 */
#ifndef KAN_ESCAPE_H
#define KAN_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

enum kan_esc { KAN_ESC_TEXT, KAN_ESC_MESSAGE, KAN_ESC_FOLDED, KAN_ESC_XML_TEXT, KAN_ESC_XML_ATTR, KAN_ESC_GH_DATA, KAN_ESC_GH_PROP };

/* Writes s (NULL: nothing) escaped for mode to f; returns the number of
 * characters (code points) written, for column padding. Write errors are
 * the caller's to check (ferror). */
size_t kan_escape(FILE *f, const char *s, enum kan_esc mode);

/* 1 when s needs no escaping in KAN_ESC_TEXT (printable ASCII and
 * well-formed UTF-8 without controls or '\'). */
int kan_text_clean(const char *s);

#endif
