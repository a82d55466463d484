from typing import List, Optional, Tuple, Union

class NativeError(Exception):
    """args: (code, message, details_json)"""

class NativeCrm:
    def __init__(self, path: Optional[str] = None, now: Optional[str] = None) -> None: ...
    def call(self, op: str, actor: str, args_json: str) -> str: ...
    def set_now(self, now: str) -> None: ...
    def now(self) -> str: ...
    @staticmethod
    def operations() -> List[str]: ...

def sla_call(op: str, args_json: str) -> str: ...
def analytics_call(op: str, args_json: str) -> str:
    """Runs an analytics operation of the core (JSON in and out), the GIL released."""

def analytics_operations() -> List[str]: ...
def rfm_score_columns(
    customer_ids: List[str],
    dates: Union[List[int], List[str], List[Union[int, str]]],
    amounts: List[str],
    as_of: str,
    config: Optional[str] = None,
) -> Tuple[
    List[str], List[int], List[int], List[str], List[int], List[int], List[int], List[str], List[Optional[str]], List[str]
]:
    """Scores orders given as three equally long lists: ids, dates (days since 1970-01-01, or
    YYYY-MM-DD text) and amounts (decimal text). Returns the rows as columns: customer_id,
    recency_days, frequency, monetary (text), r, f, m, score (text), level, segment."""
