/* verdict.c - agreement, explained difference, or unexplained difference. */
#include <string.h>

#include "known.h"
#include "verdict.h"

bool outcome_equal(const struct walk_outcome *a, const struct walk_outcome *b)
{
	if (a->result != b->result)
		return false;
	switch (a->result) {
	case WD_OK:
		return a->pa == b->pa;
	case WD_PF:
		return a->cr2 == b->cr2 && a->error_code == b->error_code;
	case WD_GP:
		return a->error_code == b->error_code;
	case WD_ERROR:
		break;
	}
	return false;
}

static void add_check(struct wd_verdict *v, uint64_t pa)
{
	for (int i = 0; i < v->nchecks; i++)
		if (v->check[i].pa == pa)
			return;
	v->check[v->nchecks++].pa = pa;
}

/* Everything either side may have written: the entries of the case (the
 * only ones a walk can read, so the only ones it can set A/D in) and the
 * target of a translated store. */
static void collect_checks(const struct walk_case *c, const struct walk_outcome *model,
			   const struct walk_outcome *oracle, struct wd_verdict *v)
{
	for (int i = 0; i < c->nslots; i++)
		add_check(v, c->slot[i].pa);
	if (c->req.access != MMU_WRITE)
		return;
	if (model->result == WD_OK)
		add_check(v, model->pa);
	if (oracle->result == WD_OK)
		add_check(v, oracle->pa);
}

/* The infrastructure may only change where a check is (a store of this
 * case that landed there, on both sides alike or it is a difference). */
static bool infra_untouched(const struct wd_image *img, const struct wd_verdict *v)
{
	uint64_t pa[WD_MAX_CHECKS];

	for (int i = 0; i < v->nchecks; i++)
		pa[i] = v->check[i].pa;
	return image_infra_intact_except(img, pa, v->nchecks);
}

static bool prediction_holds(const struct wd_prediction *p, const struct walk_outcome *oracle,
			     const struct wd_verdict *v)
{
	if (!outcome_equal(&p->out, oracle))
		return false;
	for (int i = 0; i < v->nchecks; i++) {
		uint64_t want = v->check[i].model;

		for (int j = 0; j < p->npatches; j++)
			if (p->patch[j].pa == v->check[i].pa)
				want = p->patch[j].value;
		if (want != v->check[i].oracle)
			return false;
	}
	return true;
}

void verdict_judge(const struct walk_case *c, const struct wd_model_result *model,
		   const struct walk_outcome *oracle, const struct wd_image *model_image,
		   const struct wd_image *oracle_image, struct wd_verdict *v)
{
	bool same;

	memset(v, 0, sizeof(*v));
	collect_checks(c, &model->out, oracle, v);
	same = outcome_equal(&model->out, oracle);
	for (int i = 0; i < v->nchecks; i++) {
		struct wd_check *k = &v->check[i];

		k->model = image_load(model_image, k->pa);
		k->oracle = image_load(oracle_image, k->pa);
		same &= k->model == k->oracle;
	}
	v->infra_changed = !infra_untouched(model_image, v) || !infra_untouched(oracle_image, v);
	if (v->infra_changed) {
		v->kind = WD_UNEXPLAINED;
		return;
	}
	if (same) {
		v->kind = WD_AGREE;
		return;
	}
	v->kind = WD_UNEXPLAINED;
	if (model->out.result == WD_ERROR)
		return;
	for (int k = 0; k < wd_nknown; k++) {
		struct wd_prediction p = { .out = model->out };

		if (wd_known[k].predict(c, model, &p) && prediction_holds(&p, oracle, v)) {
			v->kind = WD_EXPLAINED;
			v->known = &wd_known[k];
			return;
		}
	}
}
