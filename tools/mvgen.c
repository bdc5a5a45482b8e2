/* mvgen: writes synthetic MV portal images with their truth (JSON), e.g. the sample MVIC set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "phantom.h"
#include "phantom_mlc.h"
#include "phantom_pf.h"
#include "phantom_wl.h"
#include "qc/dicom.h"

static void usage(void)
{
	fputs("usage: mvgen [options] OUT.dcm        one image\n"
	      "       mvgen --mvic-set DIR            the 5-image MVIC field set + truth.json\n"
	      "       mvgen --leaf-set DIR            six leaf-position strips + truth.json\n"
	      "       mvgen --slit-set DIR            two MLC slit images + truth.json\n"
	      "       mvgen --picket-fence DIR        a fence with leaf errors + truth.json\n"
	      "       mvgen --winston-lutz DIR        8 Winston-Lutz images + truth.json\n"
	      "options:\n"
	      "  --style unity|generic   Unity MVIC file traits (default) or a generic EPID\n"
	      "  --field WxH             field size in mm at isocentre (default 50x50)\n"
	      "  --centre X,Y            field centre vs isocentre, mm, x right, y down\n"
	      "  --rotation DEG          counter-clockwise on screen\n"
	      "  --sigma MM              edge blur (default 2.5)\n"
	      "  --noise PCT             noise in % of the field signal (default 0.1)\n"
	      "  --seed N  --mono1  --gantry DEG  --size COLSxROWS  --truth FILE.json\n",
	      stderr);
	exit(2);
}

static double num(const char *s)
{
	double v;
	if (!qc_parse_double(s, &v)) {
		fprintf(stderr, "mvgen: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void pair(const char *s, char sep, double *a, double *b)
{
	char extra;
	char fmt[16];
	snprintf(fmt, sizeof(fmt), "%%lf%c%%lf%%c", sep);
	if (sscanf(s, fmt, a, b, &extra) != 2) {
		fprintf(stderr, "mvgen: bad value '%s'\n", s);
		exit(2);
	}
}

static int write_one(const char *path, const struct ph_spec *s, struct qc_buf *truth)
{
	struct ph_truth t;
	unsigned short *raw = ph_render(s, &t);
	enum qc_status st = ph_write(path, s, raw);
	free(raw);
	if (st) {
		fprintf(stderr, "mvgen: %s\n", qc_errmsg());
		return 1;
	}
	if (truth) {
		const char *base = strrchr(path, '/');
		ph_truth_json(s, &t, base ? base + 1 : path, truth);
	}
	return 0;
}

static int save_text(const char *path, const char *text)
{
	if (ph_save_text(path, text) == QC_OK)
		return 0;
	fprintf(stderr, "mvgen: %s\n", qc_errmsg());
	return 1;
}

/* The weekly MVIC field set: five fields, one series, like the plan "QA_TailleChamps". */
static int mvic_set(const char *dir)
{
	static const double fields[5][4] = {
	    {150, 85, 0, 0}, {85, 85, 0, 0}, {50, 50, 0, 0}, {50, 50, 50, 0}, {50, 50, -50, 0},
	};
	/* Small, realistic imperfections so that the set is not trivially perfect. */
	static const double err[5][5] = {
	    /* dw, dh, dx, dy, rotation */
	    {0.3, -0.4, 0.2, -0.3, 0.05}, {-0.2, 0.3, -0.1, 0.2, -0.05},
	    {0.1, 0.2, 0.3, -0.2, 0.1},	  {-0.9, 0.0, -0.35, -0.1, 0.0},
	    {0.4, 1.3, 0.1, 0.3, 0.0},
	};
	static const char *const times[5] = {"101502", "101508", "101514", "101520", "101526"};
	struct qc_buf truth = {0};
	char path[4096];
	int rc = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "mvgen: cannot create '%s': %s\n", dir, strerror(errno));
		return 1;
	}
	ph_truth_begin(&truth, "mvic_field");
	qc_buf_add(&truth, "\n  ");
	for (int i = 0; i < 5 && !rc; i++) {
		struct ph_spec s;
		ph_defaults(&s, PH_UNITY);
		s.width_mm = fields[i][0] + err[i][0];
		s.height_mm = fields[i][1] + err[i][1];
		s.cx_mm = fields[i][2] + err[i][2];
		s.cy_mm = fields[i][3] + err[i][3];
		s.rotation_deg = err[i][4];
		s.seed = (unsigned)(101 + i);
		s.time = times[i];
		s.instance_number = 11280 + 2 * i;
		s.study_uid = "1.2.826.0.1.3680043.10.1138.1.1";
		s.series_uid = "1.2.826.0.1.3680043.10.1138.1.2";
		snprintf(path, sizeof(path), "%s/mvic_%d.dcm", dir, i + 1);
		if (i)
			qc_buf_add(&truth, ",\n  ");
		rc = write_one(path, &s, &truth);
	}
	if (rc) {
		qc_buf_release(&truth);
		return rc;
	}
	if (ph_truth_end(&truth, dir) != QC_OK) {
		fprintf(stderr, "mvgen: %s\n", qc_errmsg());
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ph_spec s;
	const char *out = NULL, *truth_path = NULL, *set_dir = NULL, *leaf_dir = NULL;
	const char *slit_dir = NULL, *pf_dir = NULL, *wl_dir = NULL;
	enum ph_style style = PH_UNITY;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--style") && i + 1 < argc)
			style = !strcmp(argv[++i], "generic") ? PH_GENERIC : PH_UNITY;
	ph_defaults(&s, style);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--style") && v)
			i++;
		else if (!strcmp(a, "--field") && v)
			pair(argv[++i], 'x', &s.width_mm, &s.height_mm);
		else if (!strcmp(a, "--centre") && v)
			pair(argv[++i], ',', &s.cx_mm, &s.cy_mm);
		else if (!strcmp(a, "--rotation") && v)
			s.rotation_deg = num(argv[++i]);
		else if (!strcmp(a, "--sigma") && v)
			s.sigma_mm = num(argv[++i]);
		else if (!strcmp(a, "--noise") && v)
			s.noise_pct = num(argv[++i]);
		else if (!strcmp(a, "--seed") && v)
			s.seed = (unsigned)num(argv[++i]);
		else if (!strcmp(a, "--gantry") && v)
			s.gantry_deg = num(argv[++i]);
		else if (!strcmp(a, "--mono1"))
			s.mono1 = true;
		else if (!strcmp(a, "--size") && v) {
			double c, r;
			pair(argv[++i], 'x', &c, &r);
			s.cols = (int)c;
			s.rows = (int)r;
			if (style == PH_GENERIC) {
				s.readout_last = s.rows - 1;
				s.iso_col = (s.cols - 1) / 2.0;
				s.iso_row = (s.rows - 1) / 2.0;
			}
		} else if (!strcmp(a, "--truth") && v)
			truth_path = argv[++i];
		else if (!strcmp(a, "--mvic-set") && v)
			set_dir = argv[++i];
		else if (!strcmp(a, "--leaf-set") && v)
			leaf_dir = argv[++i];
		else if (!strcmp(a, "--slit-set") && v)
			slit_dir = argv[++i];
		else if (!strcmp(a, "--picket-fence") && v)
			pf_dir = argv[++i];
		else if (!strcmp(a, "--winston-lutz") && v)
			wl_dir = argv[++i];
		else if (a[0] == '-' || out)
			usage();
		else
			out = a;
	}
	if (dcm_init() != QC_OK) {
		fprintf(stderr, "mvgen: %s\n", qc_errmsg());
		return 1;
	}
	int rc;
	if (set_dir)
		rc = mvic_set(set_dir);
	else if (leaf_dir || slit_dir) {
		const char *dir = leaf_dir ? leaf_dir : slit_dir;
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "mvgen: cannot create '%s': %s\n", dir, strerror(errno));
			rc = 1;
		} else
			rc = leaf_dir ? phm_write_leaf_set(dir, &s) : phm_write_slit_set(dir, &s);
	} else if (pf_dir || wl_dir) {
		const char *dir = pf_dir ? pf_dir : wl_dir;
		rc = mkdir(dir, 0755) != 0 && errno != EEXIST;
		if (rc)
			fprintf(stderr, "mvgen: cannot create '%s': %s\n", dir, strerror(errno));
		else if ((pf_dir ? pf_write_set(dir, &s) : wl_write_set(dir, &s)) != QC_OK) {
			fprintf(stderr, "mvgen: %s\n", qc_errmsg());
			rc = 1;
		}
	} else if (!out)
		usage();
	else {
		struct qc_buf truth = {0};
		rc = write_one(out, &s, truth_path ? &truth : NULL);
		if (!rc && truth_path) {
			qc_buf_add(&truth, "\n");
			rc = save_text(truth_path, truth.s);
		}
		qc_buf_release(&truth);
	}
	dcm_cleanup();
	return rc;
}
