/* Runs the registered unit tests (all, or those whose name contains an argument). */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qc/core.h"
#include "qc/dicom.h"
#include "qc/i18n.h"
#include "test.h"

struct t_case {
	const char *name, *file;
	t_fn fn;
};

static struct t_case cases[1024];
static size_t n_cases;
static int failures_in_case;
jmp_buf t_abort;
static char tmp_root[256];

void t_register(const char *name, t_fn fn, const char *file)
{
	if (n_cases < QC_ARRAY_LEN(cases))
		cases[n_cases++] = (struct t_case){name, file, fn};
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	if (failures_in_case++ > 20)
		return;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

const char *t_shared(const char *rel)
{
	static char path[8][1024];
	static int k;
	struct stat sb;
	const char *root = getenv("QC_SHARED_DATA");
	char *p = path[k++ % 8];
	snprintf(p, sizeof(path[0]), "%s/%s", root ? root : "../shared/data", rel);
	if (stat(p, &sb) != 0) {
		t_fail(__FILE__, __LINE__, "shared data missing: %s", p);
		longjmp(t_abort, 1);
	}
	return p;
}

const char *t_tmpdir(void)
{
	static char dir[300];
	static int k;
	snprintf(dir, sizeof(dir), "%s/t%d", tmp_root, k++);
	mkdir(dir, 0700);
	return dir;
}

/* Compiles the current po/fr.po: the sanitised build has no build-san/locale of its own. */
void t_speak_french(void)
{
	static char dir[400];
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/locale", t_tmpdir());
		char *cmd = qc_xasprintf("mkdir -p '%s/fr/LC_MESSAGES' && msgfmt --check -o "
					 "'%s/fr/LC_MESSAGES/unityqc.mo' '%s/po/fr.po'",
					 dir, dir, QC_SRCDIR);
		int st = system(cmd);
		free(cmd);
		if (st != 0) {
			dir[0] = '\0';
			t_fail(__FILE__, __LINE__, "cannot compile po/fr.po");
			longjmp(t_abort, 1);
		}
	}
	setenv("UNITYQC_LOCALEDIR", dir, 1);
	qc_i18n_init("fr");
}

void t_speak_english(void)
{
	unsetenv("UNITYQC_LOCALEDIR");
	qc_i18n_init("en");
}

static int cmp_case(const void *a, const void *b)
{
	const struct t_case *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	return c ? c : strcmp(x->name, y->name);
}

static void cleanup(void)
{
	char cmd[300];
	if (tmp_root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmp_root);
	}
}

int main(int argc, char **argv)
{
	static int passed, failed;
	const char *tmp = getenv("TMPDIR");

	qc_i18n_init("en");
	snprintf(tmp_root, sizeof(tmp_root), "%s/unityqc-unit-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 2;
	}
	atexit(cleanup);
	if (dcm_init() != QC_OK) {
		fprintf(stderr, "dcm_init: %s\n", qc_errmsg());
		return 2;
	}
	qsort(cases, n_cases, sizeof(cases[0]), cmp_case);
	for (size_t i = 0; i < n_cases; i++) {
		bool selected = argc < 2;
		for (int a = 1; a < argc; a++)
			selected |= strstr(cases[i].name, argv[a]) != NULL;
		if (!selected)
			continue;
		failures_in_case = 0;
		if (setjmp(t_abort) == 0)
			cases[i].fn();
		if (qc_lang_fr()) /* a test stopped in French: the next ones expect English */
			t_speak_english();
		if (failures_in_case) {
			printf("FAIL %s (%s)\n", cases[i].name, cases[i].file);
			failed++;
		} else {
			printf("ok   %s\n", cases[i].name);
			passed++;
		}
		fflush(stdout);
	}
	dcm_cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
