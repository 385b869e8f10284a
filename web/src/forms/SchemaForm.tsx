// A form generated from a JSON Schema (schema-form.ts), with a JSON mode that keeps the value when switching,
// and validation of the whole value before it is sent (validate.ts).
import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import { type Field, fieldsOf, initialValue, parseInput, type Schema } from "./schema-form.js";
import { type FieldError, validateAgainst } from "./validate.js";

type Value = Record<string, unknown>;

function setAt(value: Value, name: string, next: unknown): Value {
  const copy = { ...value };
  if (next === undefined) delete copy[name];
  else copy[name] = next;
  return copy;
}

function FieldInput(props: {
  field: Field;
  value: unknown;
  onChange(next: unknown): void;
  id: string;
}): ReactNode {
  const { field, value, id } = props;
  const describedBy = field.description ? `${id}-help` : undefined;
  const label = (
    <label htmlFor={id}>
      {field.label}
      {field.required && <span aria-hidden="true"> *</span>}
    </label>
  );
  const help = field.description ? (
    <span id={`${id}-help`} className="hint">
      {field.description}
    </span>
  ) : null;
  switch (field.kind) {
    case "boolean":
      return (
        <div className="field field-inline">
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            aria-describedby={describedBy}
            onChange={(event) => props.onChange(event.target.checked)}
          />
          {label}
          {help}
        </div>
      );
    case "enum":
      return (
        <div className="field">
          {label}
          <select
            id={id}
            aria-describedby={describedBy}
            required={field.required}
            value={String(
              field.options.findIndex((option) => JSON.stringify(option.value) === JSON.stringify(value)),
            )}
            onChange={(event) => {
              const index = Number(event.target.value);
              props.onChange(index < 0 ? undefined : field.options[index]?.value);
            }}
          >
            <option value="-1">—</option>
            {field.options.map((option, index) => (
              <option key={option.label} value={String(index)}>
                {option.label}
              </option>
            ))}
          </select>
          {help}
        </div>
      );
    case "object":
      return (
        <fieldset>
          <legend>{field.label}</legend>
          {help}
          {field.fields.map((child) => (
            <FieldInput
              key={child.name}
              id={`${id}-${child.name}`}
              field={child}
              value={(value as Value | undefined)?.[child.name]}
              onChange={(next) => props.onChange(setAt((value as Value | undefined) ?? {}, child.name, next))}
            />
          ))}
        </fieldset>
      );
    case "array": {
      const list = Array.isArray(value) ? value : [];
      return (
        <fieldset>
          <legend>{field.label}</legend>
          {help}
          {list.map((item, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity but their position
            <div key={index} className="array-item">
              <FieldInput
                id={`${id}-${index}`}
                field={{ ...field.items, label: `${field.label} ${index + 1}` }}
                value={item}
                onChange={(next) => props.onChange(list.map((old, i) => (i === index ? next : old)))}
              />
              <button
                type="button"
                className="secondary"
                onClick={() => props.onChange(list.filter((_, i) => i !== index))}
              >
                Remove {field.label} {index + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            className="secondary"
            onClick={() => props.onChange([...list, field.items.kind === "object" ? {} : undefined])}
          >
            Add to {field.label}
          </button>
        </fieldset>
      );
    }
    case "json":
      return (
        <div className="field">
          {label}
          <textarea
            id={id}
            className="code"
            rows={4}
            aria-describedby={describedBy}
            defaultValue={value === undefined ? "" : JSON.stringify(value, null, 2)}
            onChange={(event) => props.onChange(parseInput(field, event.target.value))}
          />
          {help}
        </div>
      );
    default: {
      const isNumber = field.kind === "number" || field.kind === "integer";
      const text = value === undefined || value === null ? "" : String(value);
      const inputType = isNumber ? "number" : field.kind === "string" ? field.inputType : "text";
      return (
        <div className="field">
          {label}
          {inputType === "textarea" ? (
            <textarea
              id={id}
              rows={3}
              aria-describedby={describedBy}
              value={text}
              required={field.required}
              onChange={(event) => props.onChange(parseInput(field, event.target.value))}
            />
          ) : (
            <input
              id={id}
              type={inputType}
              step={field.kind === "integer" ? 1 : "any"}
              aria-describedby={describedBy}
              required={field.required}
              value={text}
              onChange={(event) => props.onChange(parseInput(field, event.target.value))}
            />
          )}
          {help}
        </div>
      );
    }
  }
}

/**
 * The form (or JSON) for a schema, and a submit button. `onSubmit` gets a value that the schema accepts; the
 * errors are shown beside the form otherwise.
 */
export function SchemaForm(props: {
  schema: Schema;
  idPrefix: string;
  submitLabel: string;
  busy?: boolean;
  initial?: Value | undefined;
  onSubmit(value: Value): void;
}) {
  const fields = useMemo(() => fieldsOf(props.schema), [props.schema]);
  const [value, setValue] = useState<Value>(() => props.initial ?? initialValue(fields));
  const [mode, setMode] = useState<"form" | "json">(fields.length === 0 ? "json" : "form");
  const [jsonText, setJsonText] = useState(() =>
    JSON.stringify(props.initial ?? initialValue(fields), null, 2),
  );
  const [errors, setErrors] = useState<FieldError[]>([]);

  const switchTo = (next: "form" | "json") => {
    if (next === mode) return;
    if (next === "json") setJsonText(JSON.stringify(value, null, 2));
    else {
      try {
        setValue(JSON.parse(jsonText) as Value);
      } catch {
        setErrors([{ field: "", message: "the JSON does not parse; fix it before switching to the form" }]);
        return;
      }
    }
    setErrors([]);
    setMode(next);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    let current = value;
    if (mode === "json") {
      try {
        current = JSON.parse(jsonText || "{}") as Value;
      } catch (error) {
        setErrors([{ field: "", message: `the JSON does not parse: ${(error as Error).message}` }]);
        return;
      }
    }
    const found = validateAgainst(props.schema, current);
    setErrors(found);
    if (found.length === 0) props.onSubmit(current);
  };

  return (
    <form onSubmit={submit} className="schema-form" noValidate>
      <fieldset className="toolbar toggle" style={{ margin: "0 0 0.5rem" }}>
        <legend className="sr-only">Edit as</legend>
        <button
          type="button"
          className={mode === "form" ? undefined : "secondary"}
          aria-pressed={mode === "form"}
          onClick={() => switchTo("form")}
        >
          Form
        </button>
        <button
          type="button"
          className={mode === "json" ? undefined : "secondary"}
          aria-pressed={mode === "json"}
          onClick={() => switchTo("json")}
        >
          JSON
        </button>
      </fieldset>
      {mode === "form" ? (
        fields.map((field) => (
          <FieldInput
            key={field.name}
            id={`${props.idPrefix}-${field.name}`}
            field={field}
            value={value[field.name]}
            onChange={(next) => setValue((old) => setAt(old, field.name, next))}
          />
        ))
      ) : (
        <div className="field">
          <label htmlFor={`${props.idPrefix}-json`}>Arguments as JSON</label>
          <textarea
            id={`${props.idPrefix}-json`}
            className="code"
            rows={10}
            spellCheck={false}
            value={jsonText}
            onChange={(event) => setJsonText(event.target.value)}
          />
        </div>
      )}
      {errors.length > 0 && (
        <div role="alert" className="problem">
          <strong>Not valid for the schema</strong>
          <ul>
            {errors.map((error) => (
              <li key={`${error.field}:${error.message}`}>
                {error.field ? <code>{error.field}</code> : null} {error.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <button type="submit" disabled={props.busy}>
        {props.submitLabel}
      </button>
    </form>
  );
}
