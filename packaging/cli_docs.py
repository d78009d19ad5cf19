#!/usr/bin/env python3
"""Writes finetune-cli's man page and bash completion from the program's own --help.

    cli_docs.py FINETUNE_CLI TEMPLATE.1.in OUT.1 OUT.bash

The subcommands, their flags, argument types, defaults and choices ("a | b | c") all come from
CLI11's help text, so the page and the completion follow every change to app/finetune_cli.cpp.
The template holds the hand-written sections; @COMMANDS@ marks where the commands go and
@VERSION@ is the program's version.
"""
import re
import subprocess
import sys

# "  -m,--model TEXT REQUIRED    help", "  --weight-decay FLOAT=0.0001 Weight decay" (one space when
# the default is long), "  --data TEXT=/usr/share/...": names, an optional typed argument, help.
OPTION = re.compile(r"^  (-\S+)(?: ((?:TEXT|INT|UINT|FLOAT)\S*(?: \.\.\.)?(?: REQUIRED)?))?(?:\s+(\S.*))?$")
POSITIONAL = re.compile(r"^  ([A-Z_]+) ((?:TEXT|INT|UINT|FLOAT)\S*(?: \.\.\.)?(?: REQUIRED)?)(?:\s{2,}(\S.*))?$")
CONTINUATION = re.compile(r"^\s{20,}(\S.*)$")


def help_text(cli, *args):
    return subprocess.run([cli, *args, "--help"], check=True, capture_output=True, text=True).stdout


def parse(text):
    """(description, options, positionals, subcommands) of one --help page."""
    lines = text.splitlines()
    description = lines[0].strip() if lines and not lines[0].startswith("Usage") else ""
    options, positionals, subcommands, section = [], [], [], None
    for line in lines:
        if line.endswith(":") and not line.startswith(" "):
            section = line[:-1]
            continue
        more = CONTINUATION.match(line)
        if more and section in ("Options", "Positionals", "Subcommands"):
            target = {"Options": options, "Positionals": positionals, "Subcommands": subcommands}[section]
            if target and not target[-1]["help"]:
                target[-1]["help"] = more.group(1)
            continue
        if section == "Options":
            m = OPTION.match(line)
            if m:
                options.append({"names": m.group(1).split(","), "arg": m.group(2) or "", "help": m.group(3) or ""})
        elif section == "Positionals":
            m = POSITIONAL.match(line)
            if m:
                positionals.append({"name": m.group(1), "arg": m.group(2), "help": m.group(3) or ""})
        elif section == "Subcommands":
            m = re.match(r"^  (\S+)(?:\s{2,}(\S.*))?$", line)
            if m:
                subcommands.append({"name": m.group(1), "help": m.group(2) or ""})
    return description, options, positionals, subcommands


def choices(option):
    """The fixed values of an option whose help starts "a | b (...) | c", and whether a PATH fits."""
    segments = option["help"].split(" | ")
    if len(segments) < 2:
        return [], False
    # "Training arithmetic in every phase: auto (...)": the first choice follows the colon.
    segments[0] = segments[0].rsplit(": ", 1)[-1]
    words = [s.split()[0].rstrip(":,;") if s.split() else "" for s in segments]
    values = [w for w in words if re.fullmatch(r"[a-z0-9_.:]+", w) and w != "cuda:N"]
    return values, any(w.isupper() for w in words)


def path_kind(option):
    """"d" for a folder, "f" for a file, "" for no path (numbers, names)."""
    if not option["arg"].startswith("TEXT"):
        return ""
    text = (option["arg"] + " " + option["help"]).lower()
    if "folder" in text or ":dir" in text or option["names"][-1].endswith("-dir"):
        return "d"
    if " name" in " " + text.split("(")[0] and "file" not in text:
        return ""
    return "f"


# troff

def roman(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text)


def option_lines(option):
    names = ", ".join("\\fB%s\\fR" % roman(n) for n in option["names"])
    arg = option["arg"]
    head = names + (" \\fI%s\\fR" % roman(arg) if arg else "")
    return [".TP", head, roman(option["help"] or "")]


def man_commands(cli):
    out = []
    _, top_options, _, subcommands = parse(help_text(cli))
    out += [".SH GLOBAL OPTIONS", "Given before the command."]
    for option in top_options:
        out += option_lines(option)
    out.append(".SH COMMANDS")
    for sub in subcommands:
        description, options, positionals, _ = parse(help_text(cli, sub["name"]))
        usage = " ".join("\\fI%s\\fR" % p["name"] for p in positionals)
        words = ["\\fB%s\\fR" % sub["name"]] + (["[\\fIoptions\\fR]"] if len(options) > 1 else []) + \
            ([usage] if usage else [])
        out += [".SS " + " ".join(words), roman(description or sub["help"])]
        for p in positionals:
            out += [".TP", "\\fI%s\\fR (%s)" % (p["name"], roman(p["arg"].lower())), roman(p["help"])]
        for option in options:
            if option["names"] != ["-h", "--help"]:
                out += option_lines(option)
    return out


# bash

def completion(cli):
    _, top_options, _, subcommands = parse(help_text(cli))
    names = [s["name"] for s in subcommands]
    cases = []
    for sub in names:
        _, options, positionals, _ = parse(help_text(cli, sub))
        flags, value_cases = [], []
        for option in options:
            flags += option["names"]
            values, path = choices(option)
            pattern = "|".join(option["names"])
            kind = path_kind(option)
            if values:
                action = 'COMPREPLY=($(compgen -W "%s" -- "$cur"))' % " ".join(values)
                if path:
                    action += '; COMPREPLY+=($(compgen -f -- "$cur"))'
                value_cases.append("        %s) %s; return ;;" % (pattern, action))
            elif kind:
                value_cases.append('        %s) COMPREPLY=($(compgen -%s -- "$cur")); return ;;' % (pattern, kind))
            elif option["arg"]:
                value_cases.append("        %s) return ;;" % pattern)  # a number or a name: nothing to offer
        body = ['    %s)' % sub, '      case "$prev" in'] + value_cases + ["      esac"]
        body += ['      if [[ "$cur" == -* ]]; then',
                 '        COMPREPLY=($(compgen -W "%s" -- "$cur"))' % " ".join(flags),
                 "      else"]
        positional = ""
        if positionals:
            positional = "d" if positionals[0]["name"].endswith("DIR") else "f"
        body += ['        COMPREPLY=($(compgen -%s -- "$cur"))' % positional if positional else "        COMPREPLY=()",
                 "      fi", "      ;;"]
        cases += body
    top_flags = [n for o in top_options for n in o["names"]]
    return "\n".join([
        "# bash completion for finetune-cli: written by packaging/cli_docs.py from the program's --help.",
        "_finetune_cli() {",
        '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" sub="" i',
        "  COMPREPLY=()",
        '  if [[ "$cur" == --*=* ]]; then prev=${cur%%=*}; cur=${cur#*=}; fi  # --flag=value',
        "  for ((i = 1; i < COMP_CWORD; i++)); do",
        '    case "${COMP_WORDS[i]}" in',
        "      %s) sub=${COMP_WORDS[i]}; break ;;" % "|".join(names),
        "    esac",
        "  done",
        '  if [[ -z "$sub" ]]; then',
        '    COMPREPLY=($(compgen -W "%s %s" -- "$cur"))' % (" ".join(names), " ".join(top_flags)),
        "    return",
        "  fi",
        '  case "$sub" in',
        *cases,
        "  esac",
        "}",
        "complete -o filenames -F _finetune_cli finetune-cli",
        "",
    ])


def main():
    cli, template, man_out, bash_out = sys.argv[1:5]
    with open(template, encoding="utf-8") as f:
        page = f.read()
    version = subprocess.run([cli, "--version"], check=True, capture_output=True, text=True).stdout.split()[2]
    page = page.replace("@VERSION@", version).replace("@COMMANDS@", "\n".join(man_commands(cli)))
    with open(man_out, "w", encoding="utf-8") as f:
        f.write(page)
    with open(bash_out, "w", encoding="utf-8") as f:
        f.write(completion(cli))


if __name__ == "__main__":
    main()
