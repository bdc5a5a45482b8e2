/* TUI main loop: terminal set-up and restore, screen stack, status line, signals. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "qc/core.h"
#include "tui_int.h"

static volatile sig_atomic_t hangup;
static bool curses_on;

static void restore_terminal(void)
{
	if (curses_on) {
		curses_on = false;
		endwin();
	}
}

/* SSH drop or kill: leave the loop at the next key wait, restore and exit. */
static void on_hangup(int sig)
{
	hangup = sig;
}

/* Crash: give the terminal back before dying, then let the default action run (core dump). */
static void on_crash(int sig)
{
	static const char msg[] = "unityqc: crashed; terminal restored\n";
	restore_terminal();
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be done */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hangup; /* no SA_RESTART: the key wait returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
}

void tui_message(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->status, sizeof(t->status), fmt, ap);
	va_end(ap);
	t->status_error = error;
}

void tui_push(struct tui *t, const struct tui_screen_ops *ops, void *arg)
{
	struct tui_screen *s = qc_xcalloc(1, sizeof(*s));
	s->ops = ops;
	s->priv = qc_xcalloc(1, ops->private_size ? ops->private_size : 1);
	s->below = t->top;
	t->top = s;
	if (ops->open)
		ops->open(t, s, arg);
}

void tui_pop(struct tui *t)
{
	struct tui_screen *s = t->top;
	if (!s)
		return;
	t->top = s->below;
	tui_pictures_forget(t);
	if (s->ops->done)
		s->ops->done(t, s);
	free(s->priv);
	free(s);
	if (t->top && t->top->ops->resume && !t->quit)
		t->top->ops->resume(t, t->top);
}

void tui_pop_to_root(struct tui *t)
{
	while (t->top && t->top->below)
		tui_pop(t);
}

static void draw_status(struct tui *t)
{
	int y = t->rows - 1;
	char help[32];
	tui_fill(t, y, 0, t->cols, SLOT_STATUS);
	if (t->status[0]) {
		tui_put(t, y, 0, t->cols, t->status_error ? SLOT_ERROR : SLOT_STATUS, t->status,
			false);
		return;
	}
	tui_req_keys(t->top->ops, REQ_HELP, help, sizeof(help));
	char text[128];
	snprintf(text, sizeof(text), _("%s: keys"), help);
	tui_putr(t, y, 0, t->cols, SLOT_STATUS, text);
}

/* Below 40 x 10 no screen is drawn, only a message. */
static bool too_small(const struct tui *t)
{
	return t->rows < 10 || t->cols < 40;
}

void tui_redraw(struct tui *t)
{
	int rows = t->rows, cols = t->cols;
	getmaxyx(stdscr, t->rows, t->cols);
	if (rows != t->rows || cols != t->cols)
		tui_pictures_forget(t);
	erase();
	t->show_cursor = false;
	if (too_small(t)) {
		tui_put(t, 0, 0, t->cols, SLOT_ERROR, _("terminal too small (40 x 10 at least)"),
			true);
	} else if (t->top) {
		t->top->ops->draw(t, t->top);
		draw_status(t);
	}
	curs_set(t->show_cursor ? 1 : 0);
	if (t->show_cursor)
		move(t->cursor_y, t->cursor_x);
	refresh();
}

/* The next key (a character or a KEY_ code), -1 when the terminal is gone. */
static int next_key(struct tui *t)
{
	wint_t ch;
	for (;;) {
		if (hangup)
			return -1;
		int r = tui_get_key(t, &ch);
		if (r != ERR)
			return (int)ch;
		if (errno != EINTR)
			return -1;
	}
}

static void handle(struct tui *t, int key)
{
	if (key == KEY_RESIZE)
		return;
	enum tui_req req = tui_key_request(t->top->ops, key);
	/* Nothing of the screen is shown: a key would act blind. Only quitting is allowed (the
	 * screen may still ask about unsaved work). */
	if (too_small(t) && req != REQ_QUIT)
		return;
	t->status[0] = '\0';
	if (!too_small(t) && t->top->ops->key && t->top->ops->key(t, t->top, key) == TUI_HANDLED)
		return;
	if (req == REQ_NONE)
		return;
	if (t->top->ops->request(t, t->top, req) == TUI_HANDLED)
		return;
	switch (req) {
	case REQ_HELP: tui_push(t, &scr_help, t->top); break;
	case REQ_BACK:
		if (t->top->below)
			tui_pop(t);
		break;
	case REQ_QUIT: t->quit = true; break;
	default: break;
	}
}

static void setup_curses(struct tui *t, const char *theme)
{
	char err[256];
	initscr();
	curses_on = true;
	cbreak();
	/* Ctrl-S saves: take it from the terminal's flow control (endwin gives it back). */
	struct termios tio;
	if (tcgetattr(STDIN_FILENO, &tio) == 0) {
		tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
		tcsetattr(STDIN_FILENO, TCSANOW, &tio);
		def_prog_mode();
	}
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	t->colour = has_colors();
	if (t->colour) {
		start_color();
		use_default_colors();
	}
	if (!tui_theme_load(t, theme, err, sizeof(err))) {
		tui_theme_load(t, NULL, NULL, 0);
		tui_message(t, true, "%s", err);
	}
}

int tui_main(const struct tui_config *cfg)
{
	struct tui t = {.cfg = cfg, .ascii = !qc_utf8()};
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("unityqc: the checklist needs a terminal (see unityqc --help for commands)\n",
		      stderr);
		return 1;
	}
	qc_set_die_hook(restore_terminal);
	install_signals();
	setup_curses(&t, cfg->theme);
	tui_push(&t, &scr_checklist, NULL);
	while (!t.quit && t.top && !hangup) {
		tui_redraw(&t);
		int key = next_key(&t);
		if (key < 0)
			break;
		handle(&t, key);
	}
	t.quit = true;
	while (t.top)
		tui_pop(&t);
	restore_terminal();
	qc_set_die_hook(NULL);
	if (hangup) {
		fprintf(stderr, "unityqc: stopped by signal %d; terminal restored\n", (int)hangup);
		return 128 + (int)hangup;
	}
	return 0;
}
