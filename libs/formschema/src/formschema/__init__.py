"""Online forms (tờ khai điện tử, R-INT-1): the JSON Schema subset a procedure carries as ``form_schema`` and
the validation of the ``form_data`` an applicant sends against it, with Vietnamese messages naming each field.

The subset (draft 2020-12 keywords, nothing else is accepted)::

    {"type": "object", "title": "Tờ khai …", "description": "…",
     "properties": {"<field>": {"type": "string" | "number" | "integer" | "boolean",
                                "title": "<nhãn>", "description": "<hướng dẫn>",
                                "format": "date",                  # a date field (YYYY-MM-DD)
                                "enum": ["…", "…"],                # a choice field
                                "minLength": n, "maxLength": n,    # text
                                "minimum": x, "maximum": x}},      # numbers
     "required": ["<field>", …],
     "x-order": ["<field>", …],                                    # the order to show the fields in
     "additionalProperties": false}                                # refuse fields the form does not have

``x-order`` is always stored: PostgreSQL's JSONB does not keep the order of keys, so the order of
``properties`` as written is recorded there when the editor leaves it out.
"""

from formschema.schema import FIELD_NAME, FieldKind, FormField, FormSchema, form_errors

__all__ = ["FIELD_NAME", "FieldKind", "FormField", "FormSchema", "form_errors"]
