"""versions.figures_json keyed by data path: {"requests.new.total": "3", …} instead of a list
in the order of the format's cells, so adding a row to the format needs no data migration

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The figure paths in the order positional rows were written (gongkai.batch.TABLE_PATHS of the
# format as it was at this migration), frozen here: the format may change, this list may not.
POSITIONAL_PATHS: tuple[str, ...] = (
    "proactive.regulations.issued", "proactive.regulations.repealed", "proactive.regulations.in_force",
    "proactive.normative_documents.issued", "proactive.normative_documents.repealed",
    "proactive.normative_documents.in_force",
    "proactive.licensing",
    "proactive.penalties",
    "proactive.coercive_measures",
    "proactive.fees_wan_yuan",
    "requests.new.natural_person", "requests.new.commercial", "requests.new.research",
    "requests.new.social_welfare", "requests.new.legal_service", "requests.new.other",
    "requests.new.total",
    "requests.carried_over.natural_person", "requests.carried_over.commercial",
    "requests.carried_over.research", "requests.carried_over.social_welfare",
    "requests.carried_over.legal_service", "requests.carried_over.other", "requests.carried_over.total",
    "requests.granted.natural_person", "requests.granted.commercial", "requests.granted.research",
    "requests.granted.social_welfare", "requests.granted.legal_service", "requests.granted.other",
    "requests.granted.total",
    "requests.partially_granted.natural_person", "requests.partially_granted.commercial",
    "requests.partially_granted.research", "requests.partially_granted.social_welfare",
    "requests.partially_granted.legal_service", "requests.partially_granted.other",
    "requests.partially_granted.total",
    "requests.denied_state_secret.natural_person", "requests.denied_state_secret.commercial",
    "requests.denied_state_secret.research", "requests.denied_state_secret.social_welfare",
    "requests.denied_state_secret.legal_service", "requests.denied_state_secret.other",
    "requests.denied_state_secret.total",
    "requests.denied_prohibited_by_law.natural_person", "requests.denied_prohibited_by_law.commercial",
    "requests.denied_prohibited_by_law.research", "requests.denied_prohibited_by_law.social_welfare",
    "requests.denied_prohibited_by_law.legal_service", "requests.denied_prohibited_by_law.other",
    "requests.denied_prohibited_by_law.total",
    "requests.denied_security_stability.natural_person", "requests.denied_security_stability.commercial",
    "requests.denied_security_stability.research", "requests.denied_security_stability.social_welfare",
    "requests.denied_security_stability.legal_service", "requests.denied_security_stability.other",
    "requests.denied_security_stability.total",
    "requests.denied_third_party.natural_person", "requests.denied_third_party.commercial",
    "requests.denied_third_party.research", "requests.denied_third_party.social_welfare",
    "requests.denied_third_party.legal_service", "requests.denied_third_party.other",
    "requests.denied_third_party.total",
    "requests.denied_internal_affairs.natural_person", "requests.denied_internal_affairs.commercial",
    "requests.denied_internal_affairs.research", "requests.denied_internal_affairs.social_welfare",
    "requests.denied_internal_affairs.legal_service", "requests.denied_internal_affairs.other",
    "requests.denied_internal_affairs.total",
    "requests.denied_process_information.natural_person",
    "requests.denied_process_information.commercial", "requests.denied_process_information.research",
    "requests.denied_process_information.social_welfare",
    "requests.denied_process_information.legal_service", "requests.denied_process_information.other",
    "requests.denied_process_information.total",
    "requests.denied_enforcement_file.natural_person", "requests.denied_enforcement_file.commercial",
    "requests.denied_enforcement_file.research", "requests.denied_enforcement_file.social_welfare",
    "requests.denied_enforcement_file.legal_service", "requests.denied_enforcement_file.other",
    "requests.denied_enforcement_file.total",
    "requests.denied_query_matter.natural_person", "requests.denied_query_matter.commercial",
    "requests.denied_query_matter.research", "requests.denied_query_matter.social_welfare",
    "requests.denied_query_matter.legal_service", "requests.denied_query_matter.other",
    "requests.denied_query_matter.total",
    "requests.unavailable_not_held.natural_person", "requests.unavailable_not_held.commercial",
    "requests.unavailable_not_held.research", "requests.unavailable_not_held.social_welfare",
    "requests.unavailable_not_held.legal_service", "requests.unavailable_not_held.other",
    "requests.unavailable_not_held.total",
    "requests.unavailable_needs_creation.natural_person",
    "requests.unavailable_needs_creation.commercial", "requests.unavailable_needs_creation.research",
    "requests.unavailable_needs_creation.social_welfare",
    "requests.unavailable_needs_creation.legal_service", "requests.unavailable_needs_creation.other",
    "requests.unavailable_needs_creation.total",
    "requests.unavailable_unclear.natural_person", "requests.unavailable_unclear.commercial",
    "requests.unavailable_unclear.research", "requests.unavailable_unclear.social_welfare",
    "requests.unavailable_unclear.legal_service", "requests.unavailable_unclear.other",
    "requests.unavailable_unclear.total",
    "requests.not_processed_petition.natural_person", "requests.not_processed_petition.commercial",
    "requests.not_processed_petition.research", "requests.not_processed_petition.social_welfare",
    "requests.not_processed_petition.legal_service", "requests.not_processed_petition.other",
    "requests.not_processed_petition.total",
    "requests.not_processed_repeated.natural_person", "requests.not_processed_repeated.commercial",
    "requests.not_processed_repeated.research", "requests.not_processed_repeated.social_welfare",
    "requests.not_processed_repeated.legal_service", "requests.not_processed_repeated.other",
    "requests.not_processed_repeated.total",
    "requests.not_processed_publication.natural_person", "requests.not_processed_publication.commercial",
    "requests.not_processed_publication.research", "requests.not_processed_publication.social_welfare",
    "requests.not_processed_publication.legal_service", "requests.not_processed_publication.other",
    "requests.not_processed_publication.total",
    "requests.not_processed_excessive.natural_person", "requests.not_processed_excessive.commercial",
    "requests.not_processed_excessive.research", "requests.not_processed_excessive.social_welfare",
    "requests.not_processed_excessive.legal_service", "requests.not_processed_excessive.other",
    "requests.not_processed_excessive.total",
    "requests.not_processed_confirmation.natural_person",
    "requests.not_processed_confirmation.commercial", "requests.not_processed_confirmation.research",
    "requests.not_processed_confirmation.social_welfare",
    "requests.not_processed_confirmation.legal_service", "requests.not_processed_confirmation.other",
    "requests.not_processed_confirmation.total",
    "requests.other_no_correction.natural_person", "requests.other_no_correction.commercial",
    "requests.other_no_correction.research", "requests.other_no_correction.social_welfare",
    "requests.other_no_correction.legal_service", "requests.other_no_correction.other",
    "requests.other_no_correction.total",
    "requests.other_fee_unpaid.natural_person", "requests.other_fee_unpaid.commercial",
    "requests.other_fee_unpaid.research", "requests.other_fee_unpaid.social_welfare",
    "requests.other_fee_unpaid.legal_service", "requests.other_fee_unpaid.other",
    "requests.other_fee_unpaid.total",
    "requests.other_other.natural_person", "requests.other_other.commercial",
    "requests.other_other.research", "requests.other_other.social_welfare",
    "requests.other_other.legal_service", "requests.other_other.other", "requests.other_other.total",
    "requests.results_total.natural_person", "requests.results_total.commercial",
    "requests.results_total.research", "requests.results_total.social_welfare",
    "requests.results_total.legal_service", "requests.results_total.other",
    "requests.results_total.total",
    "requests.carried_forward.natural_person", "requests.carried_forward.commercial",
    "requests.carried_forward.research", "requests.carried_forward.social_welfare",
    "requests.carried_forward.legal_service", "requests.carried_forward.other",
    "requests.carried_forward.total",
    "appeals.administrative_review.upheld", "appeals.administrative_review.corrected",
    "appeals.administrative_review.other", "appeals.administrative_review.pending",
    "appeals.administrative_review.total",
    "appeals.litigation_direct.upheld", "appeals.litigation_direct.corrected",
    "appeals.litigation_direct.other", "appeals.litigation_direct.pending",
    "appeals.litigation_direct.total",
    "appeals.litigation_after_review.upheld", "appeals.litigation_after_review.corrected",
    "appeals.litigation_after_review.other", "appeals.litigation_after_review.pending",
    "appeals.litigation_after_review.total",
)

versions = sa.table("versions", sa.column("id", sa.Integer), sa.column("figures_json", sa.Text))


def upgrade() -> None:
    connection = op.get_bind()
    for row_id, stored in connection.execute(sa.select(versions.c.id, versions.c.figures_json)).all():
        values = json.loads(stored)
        if isinstance(values, dict):  # already keyed
            continue
        if len(values) != len(POSITIONAL_PATHS):
            raise RuntimeError(f"versions.id={row_id}: {len(values)} figures, expected {len(POSITIONAL_PATHS)}")
        keyed = dict(zip(POSITIONAL_PATHS, values, strict=True))
        connection.execute(versions.update().where(versions.c.id == row_id).values(figures_json=json.dumps(keyed)))


def downgrade() -> None:
    connection = op.get_bind()
    for row_id, stored in connection.execute(sa.select(versions.c.id, versions.c.figures_json)).all():
        values = json.loads(stored)
        if isinstance(values, list):
            continue
        # A path this list lacks (a row added after 0003) has no place in a positional row.
        positional = [str(values.get(path, "0")) for path in POSITIONAL_PATHS]
        connection.execute(versions.update().where(versions.c.id == row_id).values(figures_json=json.dumps(positional)))
