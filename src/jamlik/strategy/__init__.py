"""Layer 4: strategies, goals, program logic, goal fulfilment, accounts and audit.

Load the built-in content with :func:`load_builtin`, validate your own documents with
:func:`parse_document` (YAML) or :func:`read_excel`, keep them in the warehouse with
:class:`StrategyStore` (audited edits, roles from :class:`Accounts`), and compute
*måluppfyllelse* with :func:`goal_fulfilment`. See docs/strategy.md.
"""

from jamlik.strategy.accounts import Accounts, User, hash_password, verify_password
from jamlik.strategy.content import BUILTIN, load_builtin
from jamlik.strategy.documents import dump_yaml, parse_document, read_yaml, to_document
from jamlik.strategy.errors import AuthenticationError, DocumentError, PermissionDenied
from jamlik.strategy.excel import read_excel, write_excel
from jamlik.strategy.fulfilment import STATUSES, goal_fulfilment
from jamlik.strategy.model import (
    ACTIVITY_STATUSES,
    DIRECTIONS,
    HORIZONS,
    MEASURES,
    STAGES,
    Activity,
    Change,
    Goal,
    IndicatorLink,
    Need,
    Output,
    Plan,
    Result,
    Strategy,
    Target,
    TargetArea,
)
from jamlik.strategy.store import AuditEntry, ConflictError, DocumentInfo, StrategyStore

__all__ = [
    "ACTIVITY_STATUSES",
    "BUILTIN",
    "DIRECTIONS",
    "HORIZONS",
    "MEASURES",
    "STAGES",
    "STATUSES",
    "Accounts",
    "Activity",
    "AuditEntry",
    "AuthenticationError",
    "Change",
    "ConflictError",
    "DocumentError",
    "DocumentInfo",
    "Goal",
    "IndicatorLink",
    "Need",
    "Output",
    "PermissionDenied",
    "Plan",
    "Result",
    "Strategy",
    "StrategyStore",
    "Target",
    "TargetArea",
    "User",
    "dump_yaml",
    "goal_fulfilment",
    "hash_password",
    "load_builtin",
    "parse_document",
    "read_excel",
    "read_yaml",
    "to_document",
    "verify_password",
    "write_excel",
]
