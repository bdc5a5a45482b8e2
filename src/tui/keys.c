/* Key bindings as data: global keys, per-screen keys, and their names for the help screen. */
#include <stdio.h>
#include <string.h>

#include "tui_int.h"

#define CTRL(c) ((c)&0x1f)

const struct tui_key tui_global_keys[] = {
    {KEY_UP, REQ_UP},	       {'k', REQ_UP},
    {KEY_DOWN, REQ_DOWN},      {'j', REQ_DOWN},
    {KEY_PPAGE, REQ_PAGE_UP},  {KEY_NPAGE, REQ_PAGE_DOWN},
    {CTRL('b'), REQ_PAGE_UP},  {CTRL('f'), REQ_PAGE_DOWN},
    {KEY_HOME, REQ_HOME},      {'g', REQ_HOME},
    {KEY_END, REQ_END},	       {'G', REQ_END},
    {'\n', REQ_ENTER},	       {'\r', REQ_ENTER},
    {KEY_ENTER, REQ_ENTER},    {27, REQ_BACK},
    {KEY_BACKSPACE, REQ_BACK}, {127, REQ_BACK},
    {'?', REQ_HELP},	       {KEY_F(1), REQ_HELP},
    {'q', REQ_QUIT},	       {CTRL('l'), REQ_REFRESH},
};
const size_t tui_n_global_keys = QC_ARRAY_LEN(tui_global_keys);

static const char *const req_help[REQ_COUNT] = {
    [REQ_UP] = N_("move up"),
    [REQ_DOWN] = N_("move down"),
    [REQ_PAGE_UP] = N_("page up"),
    [REQ_PAGE_DOWN] = N_("page down"),
    [REQ_HOME] = N_("first line"),
    [REQ_END] = N_("last line"),
    [REQ_ENTER] = N_("open or choose"),
    [REQ_BACK] = N_("go back"),
    [REQ_QUIT] = N_("quit unityqc"),
    [REQ_HELP] = N_("show the keys"),
    [REQ_PREV_IMAGE] = N_("previous image"),
    [REQ_NEXT_IMAGE] = N_("next image"),
    [REQ_COMMENT] = N_("write a comment"),
    [REQ_SAVE] = N_("save the session"),
    [REQ_PDF] = N_("export the session as PDF"),
    [REQ_HISTORY] = N_("sessions of this test"),
    [REQ_ALL_SESSIONS] = N_("all sessions"),
    [REQ_ANALYSE] = N_("analyse the images of this folder"),
    [REQ_PARENT] = N_("parent folder"),
    [REQ_REFRESH] = N_("reload"),
    [REQ_REVIEW] = N_("sessions to review"),
    [REQ_MARK] = N_("mark or unmark for a review of several"),
    [REQ_APPROVE] = N_("approve (the marked sessions, else this one)"),
    [REQ_REJECT] = N_("reject, with a comment"),
    [REQ_CORRECT] = N_("correct: a new session that supersedes this one"),
    [REQ_SEARCH] = N_("find a test by name"),
    [REQ_NEXT_FIELD] = N_("next field"),
    [REQ_PREV_FIELD] = N_("previous field"),
    [REQ_PREV_ROLE] = N_("previous role for this image"),
    [REQ_NEXT_ROLE] = N_("next role for this image"),
};

enum tui_req tui_key_request(const struct tui_screen_ops *ops, int key)
{
	for (size_t i = 0; ops && i < ops->n_keys; i++)
		if (ops->keys[i].key == key)
			return ops->keys[i].req;
	for (size_t i = 0; i < tui_n_global_keys; i++)
		if (tui_global_keys[i].key == key)
			return tui_global_keys[i].req;
	return REQ_NONE;
}

const char *tui_req_help(enum tui_req req)
{
	return (unsigned)req < REQ_COUNT && req_help[req] ? _(req_help[req]) : "";
}

static const char *key_label(int key)
{
	static char buf[8];
	switch (key) {
	case KEY_UP: return "Up";
	case KEY_DOWN: return "Down";
	case KEY_LEFT: return "Left";
	case KEY_RIGHT: return "Right";
	case KEY_PPAGE: return "PgUp";
	case KEY_NPAGE: return "PgDn";
	case KEY_HOME: return "Home";
	case KEY_END: return "End";
	case KEY_ENTER:
	case '\n': return "Enter";
	case '\r': return NULL; /* same as Enter */
	case 27: return "Esc";
	case KEY_BACKSPACE: return "Backspace";
	case 127: return NULL;
	case KEY_F(1): return "F1";
	case ' ': return "Space";
	}
	if (key > 0 && key < 32) {
		snprintf(buf, sizeof(buf), "^%c", key + '@');
		return buf;
	}
	if (key >= 32 && key < 127) {
		snprintf(buf, sizeof(buf), "%c", key);
		return buf;
	}
	return NULL;
}

static void add_keys(const struct tui_key *keys, size_t n, enum tui_req req, char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = keys[i].req == req ? key_label(keys[i].key) : NULL;
		if (!name || strlen(buf) + strlen(name) + 2 >= len)
			continue;
		if (buf[0])
			strcat(buf, " ");
		strcat(buf, name);
	}
}

void tui_req_keys(const struct tui_screen_ops *ops, enum tui_req req, char *buf, size_t n)
{
	buf[0] = '\0';
	if (ops)
		add_keys(ops->keys, ops->n_keys, req, buf, n);
	add_keys(tui_global_keys, tui_n_global_keys, req, buf, n);
}
