/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_cmd.h - the words of the commands the companion modules' debugfs
 * files take: "key=value" or a bare word, blanks or commas between them.
 */
#ifndef HAKMEM_CMD_H
#define HAKMEM_CMD_H

#include <linux/string.h>

/**
 * hakmem_cmd_next() - the next word of a command
 * @text: the rest of the command; advanced past the word
 * @key: the word, or its part before '='
 * @val: its part after '=', or NULL for a bare word
 *
 * Return: true for a word, false at the end of the command.
 */
static inline bool hakmem_cmd_next(char **text, char **key, char **val)
{
	char *tok;

	while ((tok = strsep(text, " \t\n,")) != NULL) {
		if (!*tok)
			continue;
		*key = tok;
		*val = strchr(tok, '=');
		if (*val)
			*(*val)++ = '\0';
		return true;
	}
	return false;
}

#endif /* HAKMEM_CMD_H */
