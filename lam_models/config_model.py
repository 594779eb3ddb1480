"""FrozenConfig: the base of every tuned-constant config, so Settings composes them as they are."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class FrozenConfig(BaseModel):
    """A frozen pydantic model that rejects unknown keys and validates every change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def update(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied, validated again (``model_copy(update=...)`` would not validate)."""
        return self.model_validate({**self.model_dump(), **changes})
