/* TUI internals: screens as an ops table, requests, key maps, theme slots (private to src/tui). */
#ifndef QC_TUI_INT_H
#define QC_TUI_INT_H

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "qc/i18n.h"
#include "qc/session.h"
#include "qc/tui.h"

/* Colour slots, named in theme files. */
#define TUI_SLOTS(_)                                                                               \
	_(NORMAL, "normal")                                                                        \
	_(TITLE, "title")                                                                          \
	_(STATUS, "status")                                                                        \
	_(ERROR, "error")                                                                          \
	_(HEADER, "header")                                                                        \
	_(SELECTED, "selected")                                                                    \
	_(GROUP, "group")                                                                          \
	_(OK, "ok")                                                                                \
	_(TOL, "tolerance")                                                                        \
	_(ACT, "action")                                                                           \
	_(NOT_DONE, "not_done")                                                                    \
	_(NO_TOL, "no_tol")                                                                        \
	_(DUE, "due")                                                                              \
	_(OVERDUE, "overdue")                                                                      \
	_(DONE, "done")                                                                            \
	_(DIM, "dim")                                                                              \
	_(KEY, "key")                                                                              \
	_(FRAME, "frame")

enum tui_slot {
#define SLOT_ENUM(id, name) SLOT_##id,
	TUI_SLOTS(SLOT_ENUM)
#undef SLOT_ENUM
	    SLOT_COUNT
};

/* Every command a key can trigger (its help text is in keys.c). */
#define TUI_REQS(_)                                                                                \
	_(NONE, "none")                                                                            \
	_(UP, "up")                                                                                \
	_(DOWN, "down")                                                                            \
	_(PAGE_UP, "page-up")                                                                      \
	_(PAGE_DOWN, "page-down")                                                                  \
	_(HOME, "home")                                                                            \
	_(END, "end")                                                                              \
	_(ENTER, "enter")                                                                          \
	_(BACK, "back")                                                                            \
	_(QUIT, "quit")                                                                            \
	_(HELP, "help")                                                                            \
	_(PREV_IMAGE, "prev-image")                                                                \
	_(NEXT_IMAGE, "next-image")                                                                \
	_(COMMENT, "comment")                                                                      \
	_(SAVE, "save")                                                                            \
	_(PDF, "pdf")                                                                              \
	_(HISTORY, "history")                                                                      \
	_(ALL_SESSIONS, "all-sessions")                                                            \
	_(ANALYSE, "analyse")                                                                      \
	_(PARENT, "parent")                                                                        \
	_(REFRESH, "refresh")                                                                      \
	_(REVIEW, "review")                                                                        \
	_(MARK, "mark")                                                                            \
	_(APPROVE, "approve")                                                                      \
	_(REJECT, "reject")                                                                        \
	_(CORRECT, "correct")                                                                      \
	_(SEARCH, "search")                                                                        \
	_(NEXT_FIELD, "next-field")                                                                \
	_(PREV_FIELD, "prev-field")                                                                \
	_(PREV_ROLE, "prev-role")                                                                  \
	_(NEXT_ROLE, "next-role")

enum tui_req {
#define REQ_ENUM(id, name) REQ_##id,
	TUI_REQS(REQ_ENUM)
#undef REQ_ENUM
	    REQ_COUNT
};

/* What a screen did with a request (htop style). */
enum {
	TUI_IGNORED = 0,
	TUI_HANDLED = 1,
};

struct tui_key {
	int key; /* a character or a curses KEY_ code */
	enum tui_req req;
};

struct tui;
struct tui_screen;

struct tui_screen_ops {
	const char *name;
	size_t private_size;
	const struct tui_key *keys; /* screen bindings, searched before the global ones */
	size_t n_keys;
	void (*open)(struct tui *t, struct tui_screen *s, void *arg);
	/* Raw keys before the key maps (text entry); TUI_HANDLED stops there. May be NULL. */
	int (*key)(struct tui *t, struct tui_screen *s, int key);
	void (*draw)(struct tui *t, struct tui_screen *s);
	int (*request)(struct tui *t, struct tui_screen *s, enum tui_req req);
	void (*resume)(struct tui *t, struct tui_screen *s); /* uncovered again (may be NULL) */
	void (*done)(struct tui *t, struct tui_screen *s);
};

struct tui_screen {
	const struct tui_screen_ops *ops;
	void *priv;
	struct tui_screen *below;
};

struct tui {
	const struct tui_config *cfg;
	struct tui_screen *top;
	bool quit;
	bool colour;
	bool ascii; /* no UTF-8: transliterate text, ASCII line drawing */
	attr_t attr[SLOT_COUNT];
	short pair[SLOT_COUNT];
	char status[512];
	bool status_error;
	int rows, cols;
	/* Where the text cursor goes after drawing (a screen with an input sets it). */
	bool show_cursor;
	int cursor_y, cursor_x;
	/* owned (draw.c): the pictures rendered, kept for the next draw */
	struct tui_pictures *pictures;
};

/* tui.c */
void tui_push(struct tui *t, const struct tui_screen_ops *ops, void *arg);
void tui_pop(struct tui *t);
void tui_pop_to_root(struct tui *t);
void tui_message(struct tui *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Redraws everything now (used while working: progress). */
void tui_redraw(struct tui *t);

/* keys.c */
enum tui_req tui_key_request(const struct tui_screen_ops *ops, int key);
const char *tui_req_help(enum tui_req req);
/* Short key names of a request in a screen ("Enter", "q", "←"); buf of 32 bytes. */
void tui_req_keys(const struct tui_screen_ops *ops, enum tui_req req, char *buf, size_t n);
extern const struct tui_key tui_global_keys[];
extern const size_t tui_n_global_keys;

/* theme.c */
/* Loads the theme (NULL: built-in) into t->attr; errors are reported with file:line. */
bool tui_theme_load(struct tui *t, const char *path, char *err, size_t n);
/* Sets the drawing attributes of stdscr to a slot. */
void tui_use(struct tui *t, enum tui_slot slot);
/* Sets them to an ANSI (0-15) foreground on a background, for picture cells. */
void tui_use_cell(struct tui *t, int fg, int bg, bool overlay);

/* draw.c */
const char *tui_text(struct tui *t, const char *utf8); /* transliterated in ASCII mode */
int tui_width(struct tui *t, const char *utf8);
/* Writes s at (y, x) within w columns (cut with an ellipsis), padding with blanks if pad. */
void tui_put(struct tui *t, int y, int x, int w, enum tui_slot slot, const char *s, bool pad);
void tui_putr(struct tui *t, int y, int x, int w, enum tui_slot slot, const char *s);
void tui_fill(struct tui *t, int y, int x, int w, enum tui_slot slot);
void tui_hline(struct tui *t, int y, int x, int w, enum tui_slot slot);
enum tui_slot tui_verdict_slot(int verdict);
const char *tui_verdict_word(int verdict); /* translated */
/* The next key, as get_wch() gives it (OK, KEY_CODE_YES or ERR); without UTF-8 a byte of
 * 0x80 or more is refused with a beep. Every key read goes through it. */
int tui_get_key(struct tui *t, wint_t *ch);
/* Modal line editor at the bottom row; returns false on Esc. buf holds the initial text. */
bool tui_prompt(struct tui *t, const char *label, char *buf, size_t n);
/* Modal yes/no question; returns true for yes. */
bool tui_confirm(struct tui *t, const char *question);
/* Moves a list selection for the up/down/page/home/end requests; false for any other. */
bool tui_list_move(enum tui_req req, size_t *sel, size_t n, size_t page);
/* Scrolls *top so that sel stays within a window of rows lines. */
void tui_list_scroll(size_t sel, size_t *top, int rows);
/* Image `image` of a session as a picture with its overlays (coloured by verdict), centred in
 * the box (y0, x0, w, h). */
void tui_draw_picture(struct tui *t, const struct qc_session *s, size_t image, int y0, int x0,
		      int w, int h);
/* Drops the rendered pictures: after a resize, and before a screen goes (a new session may
 * reuse the addresses of the one it frees). */
void tui_pictures_forget(struct tui *t);
/* columns.c */
/* A column of a table, laid out by tui_columns, then drawn at x within w. */
struct tui_column {
	int min, want; /* widths: never less than min, want when there is room */
	int drop;      /* 0: always shown; else dropped on narrow terminals, 1 first */
	bool flex;     /* takes the room left over (the first such column shown) */
	int x, w;      /* out: w = 0 when dropped */
};
/* Lays out n columns from x0 across width cells, one blank between them: drops columns by drop
 * order until the minimum widths fit, widens the others to their wanted widths in order, then
 * gives what is left to the flexible one. */
void tui_columns(struct tui_column *c, size_t n, int x0, int width);
/* The larger of a column's width so far and a cell's. */
static inline int tui_widest(int w, int text_w)
{
	return text_w > w ? text_w : w;
}
struct store_row;
/* The cells a stored session shows in the history and in the review queue: its number, end
 * time, test name and verdict (in the verdict's colour unless the row is selected). */
void tui_session_cells(struct tui *t, int y, const struct store_row *r, bool sel,
		       const struct tui_column *id, const struct tui_column *when,
		       const struct tui_column *test, const struct tui_column *verdict);
/* A progress box over the screen. */
void tui_progress(struct tui *t, const char *title, size_t done, size_t total, const char *what);

/* Screens. */
extern const struct tui_screen_ops scr_checklist;
extern const struct tui_screen_ops scr_picker;
extern const struct tui_screen_ops scr_result;
extern const struct tui_screen_ops scr_history;
extern const struct tui_screen_ops scr_help;
extern const struct tui_screen_ops scr_form;
extern const struct tui_screen_ops scr_review;
extern const struct tui_screen_ops scr_roles;

/* Arguments of scr_picker: an image test, optionally the session the new one corrects. */
struct scr_picker_arg {
	const struct qc_test *test;
	int64_t supersedes;
};

/* Arguments of scr_form: a manual test, optionally the session it corrects. */
struct scr_form_arg {
	const struct qc_test *test;
	const struct qc_session *corrects; /* borrowed: values to start from, or NULL */
};

/* Arguments of scr_roles: the automatic run of an image test whose analysis gives each image
 * a role; the session moves into the screen. */
struct scr_roles_arg {
	const struct qc_test *test;
	struct qc_session *session;
	int64_t supersedes;
};

/* Arguments of scr_result: the session moves into the screen. */
struct scr_result_arg {
	struct qc_session *session; /* owned by the screen from open() on */
	bool saved;
};

/* Opens the entry of a test as its input asks: the folder or report picker, or the manual form
 * (starting from the values of the session it supersedes, when supersedes is not 0). */
void tui_open_test(struct tui *t, const struct qc_test *test, int64_t supersedes);

/* A stored session: opened in the results screen, or (pdf) exported as PDF. */
void tui_stored_session(struct tui *t, int64_t id, bool pdf);

/* Exports a stored session as PDF, asking for the file name. */
void tui_export_pdf(struct tui *t, const struct qc_session *s);

#endif
