/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_cmd.h - the debugfs command files of hakmem and its companion
 * modules: the written text as a string, its words ("key=value" or a bare
 * word, blanks or commas between them), and the file_operations of a file
 * that runs a command on a write and shows a text on a read.
 */
#ifndef HAKMEM_CMD_H
#define HAKMEM_CMD_H

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/**
 * hakmem_cmd_copy() - the text of a write(2) to a command file
 * @text: where to put it, NUL-terminated
 * @size: bytes at @text
 * @ubuf: the write's buffer
 * @len: its length
 * @pos: the file position the write is at
 *
 * The whole text or nothing: unlike kstrto*_from_user(), a write too long
 * for @text, or with a NUL inside, is refused, not cut to a prefix that
 * may parse.  So is a write at a position other than 0 (pwrite(2), or
 * after an lseek(2) or a read on the same open file): it would be the
 * tail of a command, not one.  A write does not move the position, so
 * writes one after another on one open file each are a command.  A
 * command is one line: a newline only as the last byte (echo's), as
 * sysfs_streq() takes it; two, or one anywhere else, would make two
 * commands of one write, which the word splitters would run as one.
 * Return: 0, -EINVAL for an empty or too long write, a NUL, a newline
 * before the last byte or a position other than 0, -EFAULT.
 */
static inline int hakmem_cmd_copy(char *text, size_t size, const char __user *ubuf,
				  size_t len, loff_t pos)
{
	const char *nl;

	if (!len || len >= size || pos)
		return -EINVAL;
	if (copy_from_user(text, ubuf, len))
		return -EFAULT;
	text[len] = '\0';
	if (strlen(text) != len)
		return -EINVAL;
	nl = strchr(text, '\n');
	return nl && nl != text + len - 1 ? -EINVAL : 0;
}

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

/**
 * hakmem_cmd_next_kv() - the next key=value word of a "run | key=value..." command
 * @text: the rest of the command; advanced past the word
 * @key: the word's part before '='
 * @val: its part after '='
 * @words: the words read so far, "run" included; 0 before the first call
 *
 * The bench and stress files' commands: key=value words in any order, or
 * the bare word "run" for all defaults, which is skipped here.
 * Return: 1 for a key=value word; 0 at the end of a command of at least
 * one word; -EINVAL for another bare word or an empty command.
 */
static inline int hakmem_cmd_next_kv(char **text, char **key, char **val,
				     unsigned int *words)
{
	while (hakmem_cmd_next(text, key, val)) {
		(*words)++;
		if (*val)
			return 1;
		if (strcmp(*key, "run"))
			return -EINVAL;
	}
	return *words ? 0 : -EINVAL;
}

/**
 * hakmem_cmd_ulong() - a decimal number of a command
 * @s: the text: digits only, then at most a newline (kstrtoul() would
 *	take a leading '+' too)
 * @val: the number
 *
 * Return: 0, -EINVAL, or -ERANGE.
 */
static inline int hakmem_cmd_ulong(const char *s, unsigned long *val)
{
	return isdigit(*s) ? kstrtoul(s, 10, val) : -EINVAL;
}

/**
 * hakmem_cmd_uint() - hakmem_cmd_ulong() into an unsigned int
 * @s: the text
 * @val: the number
 *
 * Return: 0, -EINVAL, or -ERANGE.
 */
static inline int hakmem_cmd_uint(const char *s, unsigned int *val)
{
	return isdigit(*s) ? kstrtouint(s, 10, val) : -EINVAL;
}

/**
 * hakmem_cmd_once() - is this the first time a command names this key?
 * @seen: the keys named so far, a bit each; 0 before the first word
 * @bit: the key's bit
 *
 * A key that takes one value must be given once: "ops=1 ops=2" would
 * otherwise run with the last and silently drop the first.
 * Return: true the first time.
 */
static inline bool hakmem_cmd_once(unsigned int *seen, unsigned int bit)
{
	bool first = !(*seen & bit);

	*seen |= bit;
	return first;
}

/**
 * DEFINE_HAKMEM_CMD_FOPS() - the file_operations of a command file
 * @__name: the prefix; defines __name##_fops (and its write and open)
 * @__cmd_max: the size of the command buffer: a longer write is -EINVAL
 * @__show_size: the seq_file buffer a read starts with
 *
 * Uses two functions of the caller: ``int __name##_cmd(char *text)`` runs
 * the text of a write (hakmem_cmd_copy()), and a write returns its error
 * or the whole length; ``int __name##_show(struct seq_file *m, void *v)``
 * prints the file.
 */
#define DEFINE_HAKMEM_CMD_FOPS(__name, __cmd_max, __show_size)			\
static ssize_t __name##_write(struct file *file, const char __user *ubuf,	\
			      size_t len, loff_t *ppos)				\
{										\
	char text[__cmd_max];							\
	int ret = hakmem_cmd_copy(text, sizeof(text), ubuf, len, *ppos);	\
										\
	if (!ret)								\
		ret = __name##_cmd(text);					\
	return ret ? ret : len;							\
}										\
										\
static int __name##_open(struct inode *inode, struct file *file)		\
{										\
	return single_open_size(file, __name##_show, NULL, __show_size);	\
}										\
										\
static const struct file_operations __name##_fops = {				\
	.owner = THIS_MODULE,							\
	.open = __name##_open,							\
	.read = seq_read,							\
	.llseek = seq_lseek,							\
	.write = __name##_write,						\
	.release = single_release,						\
}

#endif /* HAKMEM_CMD_H */
