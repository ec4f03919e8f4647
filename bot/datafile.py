"""Programme data in TOML files (the programme's rules, the training course), read into checked
models. A mistake is one line naming the file and the key, the way the file reads it."""

from __future__ import annotations

import tomllib
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.config import ConfigError

Model = TypeVar("Model", bound=BaseModel)


def read_model(name: str, text: str, model: type[Model]) -> Model:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = dotted(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {key}: {message}" if key else f"{name}: {message}") from None


def dotted(location: tuple[int | str, ...]) -> str:
    """``("places", 2, "lat")`` as ``places[2].lat``."""
    key = ""
    for part in location:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key
