"""Emergency writes: SOS intake, incident handling, locations, escalation."""

from apps.emergency.services.checkins import (
    camp_check_ins_missed,
    check_ins_raise_overdue,
    checkin_arm,
    checkin_complete,
)
from apps.emergency.services.escalation import incidents_escalate
from apps.emergency.services.handling import (
    TRANSITIONS,
    incident_acknowledge,
    incident_add_note,
    incident_change_status,
    incident_mark_false_alarm,
    incident_resolve,
)
from apps.emergency.services.intake import IncidentReport, incident_open_for_trekker, incident_report_sos
from apps.emergency.services.locations import Ping, PingResult, incident_add_locations

__all__ = [
    "TRANSITIONS",
    "IncidentReport",
    "Ping",
    "PingResult",
    "camp_check_ins_missed",
    "check_ins_raise_overdue",
    "checkin_arm",
    "checkin_complete",
    "incident_acknowledge",
    "incident_add_locations",
    "incident_add_note",
    "incident_change_status",
    "incident_mark_false_alarm",
    "incident_open_for_trekker",
    "incident_report_sos",
    "incident_resolve",
    "incidents_escalate",
]
