/* Sessions in memory: taking analysis results, judging them, and the JSON contract. */
#include <stdlib.h>
#include <string.h>

#include "qc/session.h"

void qc_session_release(struct qc_session *s)
{
	free(s->comment);
	free(s->review.comment);
	free(s->rec);
	for (size_t i = 0; i < s->n_in; i++)
		free(s->in[i].path);
	free(s->in);
	for (size_t i = 0; i < s->n_pv; i++)
		free(s->pv[i].px);
	free(s->pv);
	free(s->ov);
	free(s->role);
	memset(s, 0, sizeof(*s));
}

void qc_session_set_comment(struct qc_session *s, const char *comment)
{
	free(s->comment);
	s->comment = comment && *comment ? qc_xstrdup(comment) : NULL;
}

static void judge(struct qc_record *r, const struct qc_mdef *def)
{
	r->verdict = QC_V_NO_TOL;
	memset(&r->lv, 0, sizeof(r->lv));
	if (!def)
		return; /* informative quantity: shown and stored, never judged */
	r->lv = def->lv;
	if (r->lv.ref_nominal) {
		r->lv.has_ref = r->m.has_nominal;
		r->lv.ref = r->m.has_nominal ? r->m.nominal : 0;
		if (!r->m.has_nominal) {
			/* Without a planned value there is nothing to judge against. */
			r->lv.has_act_low = r->lv.has_act_high = false;
			r->lv.has_tol_low = r->lv.has_tol_high = false;
		}
	}
	if (!r->m.has_value)
		r->verdict = qc_levels_any(&r->lv) ? QC_V_NOT_DONE : QC_V_NO_TOL;
	else
		r->verdict = qc_levels_eval(&r->lv, r->m.value);
}

void qc_session_update_verdict(struct qc_session *s)
{
	enum qc_verdict v = QC_V_NO_TOL;
	for (size_t i = 0; i < s->n_rec; i++)
		v = qc_verdict_worst(v, s->rec[i].verdict);
	s->verdict = v;
}

void qc_session_take_result(struct qc_session *s, const struct qc_test *t,
			    const struct qc_result *res)
{
	s->rec = qc_xrealloc(s->rec, (s->n_rec + res->n_m) * sizeof(*s->rec));
	for (size_t i = 0; i < res->n_m; i++) {
		struct qc_record *r = memset(&s->rec[s->n_rec++], 0, sizeof(*s->rec));
		r->m = res->m[i];
		judge(r, t ? cat_find_mdef(t, r->m.name) : NULL);
	}
	if (res->n_ov) {
		s->ov = qc_xrealloc(s->ov, (s->n_ov + res->n_ov) * sizeof(*s->ov));
		memcpy(s->ov + s->n_ov, res->ov, res->n_ov * sizeof(*s->ov));
		s->n_ov += res->n_ov;
	}
	for (size_t i = 0; i < s->n_in && i < res->n_images; i++)
		if (res->label[i][0])
			qc_strlcpy(s->in[i].label, res->label[i], sizeof(s->in[i].label));
	if (s->n_in && res->n_images >= s->n_in) {
		free(s->role);
		s->role = qc_xmalloc(s->n_in * sizeof(*s->role));
		memcpy(s->role, res->role, s->n_in * sizeof(*s->role));
	}
	qc_session_update_verdict(s);
}

enum qc_verdict qc_session_overlay_verdict(const struct qc_session *s, const struct qc_overlay *o)
{
	enum qc_verdict v = QC_V_NO_TOL;
	if (!o->measure[0])
		return v;
	for (size_t i = 0; i < s->n_rec; i++)
		if (s->rec[i].m.image == o->image && !strcmp(s->rec[i].m.name, o->measure))
			v = qc_verdict_worst(v, s->rec[i].verdict);
	/* An edge line stands for both sizes it bounds; its centre for both coordinates. */
	const char *twin = !strcmp(o->measure, "centre_x_mm") ? "centre_y_mm" : NULL;
	for (size_t i = 0; twin && i < s->n_rec; i++)
		if (s->rec[i].m.image == o->image && !strcmp(s->rec[i].m.name, twin))
			v = qc_verdict_worst(v, s->rec[i].verdict);
	return v;
}

void qc_session_json(const struct qc_session *s, struct qc_buf *b)
{
	qc_buf_add(b, "{\"analysis\": ");
	qc_json_str(b, s->analysis);
	qc_buf_add(b, ", \"version\": ");
	qc_json_str(b, s->analysis_version);
	qc_buf_add(b, ", \"test\": ");
	qc_json_str(b, s->test);
	if (s->id)
		qc_buf_addf(b, ", \"session_id\": %lld", (long long)s->id);
	qc_buf_add(b, ",\n \"images\": [");
	for (size_t i = 0; i < s->n_in; i++) {
		qc_buf_add(b, i ? ",\n  {\"path\": " : "\n  {\"path\": ");
		qc_json_str(b, s->in[i].path);
		qc_buf_add(b, ", \"sop_instance_uid\": ");
		qc_json_str(b, s->in[i].sop_instance_uid);
		qc_buf_add(b, ", \"sha256\": ");
		qc_json_str(b, s->in[i].sha256);
		qc_buf_add(b, ", \"role\": ");
		qc_json_str(b, s->in[i].label);
		qc_buf_add(b, "}");
	}
	qc_buf_add(b, "],\n \"measurements\": [");
	for (size_t i = 0; i < s->n_rec; i++) {
		const struct qc_record *r = &s->rec[i];
		qc_buf_add(b, i ? ",\n  {\"name\": " : "\n  {\"name\": ");
		qc_json_str(b, r->m.name);
		qc_buf_add(b, ", \"value\": ");
		qc_json_num(b, r->m.value, r->m.has_value);
		qc_buf_add(b, ", \"unit\": ");
		qc_json_str(b, r->m.unit);
		qc_buf_addf(b, ", \"image\": %d, \"verdict\": ", r->m.image);
		qc_json_str(b, qc_verdict_name(r->verdict));
		if (r->lv.has_ref) {
			qc_buf_add(b, ", \"reference\": ");
			qc_json_num(b, r->lv.ref, true);
		}
		if (r->text[0]) {
			qc_buf_add(b, ", \"text\": ");
			qc_json_str(b, r->text);
		}
		qc_buf_add(b, ", \"note\": ");
		qc_json_str(b, r->m.note);
		qc_buf_add(b, "}");
	}
	qc_buf_add(b, "],\n \"verdict\": ");
	qc_json_str(b, qc_verdict_name(s->verdict));
	qc_buf_add(b, "}\n");
}
