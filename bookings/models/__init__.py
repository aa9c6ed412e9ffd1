"""The bookings app's models, one module per aggregate; import them from here."""

from bookings.models.catalogue import (
    MAX_MEETING,
    MAX_OCCUPANCY,
    MAX_SETUP_MINUTES,
    RANK_ORDER,
    Building,
    Equipment,
    HostingUnit,
    Layout,
    Leader,
    LeaderRank,
    Room,
)
from bookings.models.meetings import (
    Confidentiality,
    Meeting,
    MeetingQuerySet,
    MeetingStatus,
)
from bookings.models.orders import (
    KIND_DEPARTMENT,
    KIND_LEAD_MINUTES,
    NEXT_STATUS,
    OPEN_STATUSES,
    Department,
    OrderKind,
    OrderStatus,
    PackageItem,
    ServiceOrder,
)
from bookings.models.series import Frequency, MeetingSeries
from bookings.models.sizing import ServiceLevel, SizingRule

__all__ = [
    "KIND_DEPARTMENT",
    "KIND_LEAD_MINUTES",
    "MAX_MEETING",
    "MAX_OCCUPANCY",
    "MAX_SETUP_MINUTES",
    "NEXT_STATUS",
    "OPEN_STATUSES",
    "RANK_ORDER",
    "Building",
    "Confidentiality",
    "Department",
    "Equipment",
    "Frequency",
    "HostingUnit",
    "Layout",
    "Leader",
    "LeaderRank",
    "Meeting",
    "MeetingQuerySet",
    "MeetingSeries",
    "MeetingStatus",
    "OrderKind",
    "OrderStatus",
    "PackageItem",
    "Room",
    "ServiceLevel",
    "ServiceOrder",
    "SizingRule",
]
