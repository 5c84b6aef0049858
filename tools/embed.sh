#!/bin/sh
# embed.sh NAME FILE - print FILE as a C byte array NAME[] plus NAME_len,
# NUL-terminated, for the default configuration compiled into vigild.
set -eu
name=$1
file=$2
printf '/* generated from %s by tools/embed.sh; do not edit */\n' "$file"
printf '#include <stddef.h>\n'
printf 'const char %s[] = {\n' "$name"
od -An -v -tx1 "$file" | sed -E 's/ ([0-9a-f]{2})/0x\1,/g; s/^/\t/'
printf '\t0x00\n};\n'
printf 'const size_t %s_len = sizeof(%s) - 1;\n' "$name" "$name"
