"""An import-linter contract type the stock ones lack: a package may import only the standard library,
itself and a short list of named packages (``make lint`` uses it to keep ``contracts`` on pydantic alone).

Configured in the repository's ``pyproject.toml`` (``[tool.importlinter]``, which needs
``include_external_packages = true`` so third-party imports are in the graph)::

    [[tool.importlinter.contracts]]
    name = "contracts depends on pydantic and the standard library only"
    type = "allowed_dependencies"
    source_modules = ["contracts"]
    allowed_modules = ["pydantic"]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.imports import Module


@dataclass(frozen=True)
class _Illegal:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


class AllowedDependenciesContract(Contract):
    """Every module under ``source_modules`` imports only the standard library, its own package and
    ``allowed_modules`` (top-level names, descendants included)."""

    type_name = "allowed_dependencies"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        # import-linter fills the fields with the parsed values on the instance
        allowed: set[str] = set(self.allowed_modules or [])  # type: ignore[arg-type]
        sources: list[Module] = self.source_modules  # type: ignore[assignment]
        illegal: list[_Illegal] = []
        for source in sources:
            own = source.name.split(".")[0]
            importers = {source.name} | graph.find_descendants(source.name)
            for importer in sorted(importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    top = imported.split(".")[0]
                    if top == own or top in allowed or top in sys.stdlib_module_names:
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    illegal.append(_Illegal(importer, imported, tuple(d["line_number"] for d in details)))
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["illegal"]:
            lines = ", ".join(map(str, item.line_numbers))
            output.print_error(f"- {item.importer} -> {item.imported} (l.{lines})", bold=False)
            output.new_line()
