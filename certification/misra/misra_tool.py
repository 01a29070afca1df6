#!/usr/bin/python3
"""make misra's helper (certification/misra/README in certification/README.md).

  misra_tool.py ruletexts GUIDELINES OUT
      the rule-texts file cppcheck's MISRA addon reads (--rule-texts), from
      guidelines.txt: "Appendix A Summary of guidelines", then per rule
      "Rule N.M Category" and the project's own one-line wording.
  misra_tool.py suppressions DEVIATIONS VARIANTS ROOT
      prints certification/misra/suppressions.txt (cppcheck
      --suppressions-list format) generated from deviations.md: a runtime
      location becomes one line per rule and per source line carrying the
      deviation's tag ("MISRA deviation MD-NN"); a generated-file location
      (NAME.c, NAME.h, NAME_weights.c, NAME_weights.h) becomes one line per
      rule and per output of VARIANTS.
  misra_tool.py report SUPPRESSIONS DEVIATIONS GUIDELINES VERSION OUT.json RESULTS...
      reads cppcheck's findings (RESULTS: files of tab-separated lines),
      applies the suppressions (cppcheck's matching: id, file glob, line;
      and, for a copy of a runtime file that stoic generate shortened, so
      that its lines moved: the finding's line carries the deviation's tag
      and has the text of the suppression's line in runtime/),
      writes the JSON, prints the undeviated findings in GCC format and
      exits 1 when there is one, when a deviation matches no finding, or
      when cppcheck reported anything but a MISRA finding.
  misra_tool.py compliance GUIDELINES ADDON_RULES DEVIATIONS MISRA.json
      prints compliance.md.
Python 3 standard library only.
"""
import fnmatch
import json
import os
import re
import sys

GEN_FILES = ('NAME.c', 'NAME.h', 'NAME_weights.c', 'NAME_weights.h')
TAG = re.compile(r'MISRA deviation (MD-[0-9]+)')


def die(msg):
    sys.stderr.write('misra_tool: error: %s\n' % msg)
    sys.exit(1)


def guidelines(path):
    """[(kind, num, category, text, methods, reason)] in file order"""
    out = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            fields = [x.strip() for x in line.split('|')]
            m = re.match(r'^(Rule|Dir) ([0-9]+\.[0-9]+)$', fields[0])
            if len(fields) != 5 or m is None:
                die('%s:%d: expected "Rule|Dir N.M | category | wording | method | reason"' % (path, n))
            kind, num = m.group(1), m.group(2)
            cat, text, methods, reason = fields[1], fields[2], fields[3], fields[4]
            if cat not in ('Mandatory', 'Required', 'Advisory'):
                die('%s:%d: category %r' % (path, n, cat))
            if not re.match(r'^[#A-Z]', text):
                # the addon takes a line starting with a lower-case letter
                # for the previous rule's continuation
                die('%s:%d: the wording must start with A-Z or #' % (path, n))
            ms = [x.strip() for x in methods.split('+')]
            for x in ms:
                if x not in ('tool', 'check', 'compiler', 'review', 'n/a'):
                    die('%s:%d: method %r' % (path, n, x))
            if ms != ['tool'] and not reason:
                die('%s:%d: a method other than tool needs a reason' % (path, n))
            out.append((kind, num, cat, text, ms, reason))
    return out


def rule_key(num):
    a, b = num.split('.')
    return (int(a), int(b))


def cmd_ruletexts(gpath, out):
    g = guidelines(gpath)
    lines = ['Rule texts of the stoic project (own wording; generated from',
             'certification/misra/guidelines.txt by misra_tool.py).', '',
             'Appendix A Summary of guidelines']
    for kind, num, cat, text, _, _ in g:
        if kind == 'Rule':
            lines.append('Rule %s %s' % (num, cat))
            lines.append(text)
    lines.append('')
    lines.append('Appendix B')
    with open(out, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def deviations(path):
    """{id: {'rules': [...], 'locations': [...], 'title': ...}} from deviations.md"""
    devs = {}
    cur = None
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            m = re.match(r'^## (MD-[0-9]+) ', line)
            if m:
                cur = m.group(1)
                if cur in devs:
                    die('%s:%d: %s defined twice' % (path, n, cur))
                devs[cur] = {'rules': [], 'locations': [], 'line': n, 'fields': set(),
                             'untooled': False}
                continue
            m = re.match(r'^- \*\*([A-Za-z ]+):\*\* ?(.*)$', line)
            if m and cur is not None:
                key, val = m.group(1).lower(), m.group(2)
                devs[cur]['fields'].add(key)
                if key == 'rule':
                    devs[cur]['rules'] = re.findall(r'(?:Rule|Dir) ([0-9]+\.[0-9]+)', val)
                    if not devs[cur]['rules']:
                        die('%s:%d: %s: no rule' % (path, n, cur))
                elif key == 'reported by cppcheck':
                    devs[cur]['untooled'] = val.strip().lower().startswith('no')
                elif key == 'location':
                    devs[cur]['locations'] = re.findall(r'`([^`]+)`', val)
    for d, v in devs.items():
        for need in ('rule', 'category', 'location', 'rationale', 'safe because'):
            if need not in v['fields']:
                die('%s:%d: %s has no "- **%s:**" line' % (path, v['line'], d, need.capitalize()))
        if not v['locations']:
            die('%s:%d: %s: no `location`' % (path, v['line'], d))
    return devs


def variant_names(path):
    names = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                names.append(line.split()[0])
    return names


def cmd_suppressions(dpath, vpath, root):
    devs = deviations(dpath)
    names = variant_names(vpath)
    out = ['# GENERATED by certification/misra/misra_tool.py from deviations.md: do not edit.',
           '# cppcheck --suppressions-list format: misra-c2012-RULE:FILE[:LINE].',
           '# Deviation of each line: the comment above it.']
    for d in sorted(devs, key=lambda x: int(x[3:])):
        v = devs[d]
        for loc in v['locations']:
            if loc in GEN_FILES:
                out.append('# %s: %s of every generated output (NAME: %s)' % (d, loc, ' '.join(names)))
                for r in v['rules']:
                    for nm in names:
                        out.append('misra-c2012-%s:*/%s/%s' % (r, nm, loc.replace('NAME', nm)))
                continue
            src = os.path.join(root, loc)
            if not os.path.isfile(src):
                die('%s: %s: location %s is not a file' % (dpath, d, loc))
            lines = []
            with open(src, encoding='utf-8') as f:
                for n, line in enumerate(f, 1):
                    for t in (re.findall(r'MD-[0-9]+', line) if 'MISRA deviation' in line else []):
                        if t == d:
                            lines.append(n)
                        elif t not in devs:
                            die('%s:%d: tag %s is not in %s' % (loc, n, t, dpath))
            if not lines:
                die('%s: %s: no line of %s carries "MISRA deviation %s"' % (dpath, d, loc, d))
            if v['untooled']:
                out.append('# %s: %s (not reported by cppcheck: no suppression)' % (d, loc))
                continue
            out.append('# %s: %s' % (d, loc))
            base = os.path.basename(loc)
            for r in v['rules']:
                for n in lines:
                    out.append('misra-c2012-%s:*%s:%d' % (r, base, n))
    sys.stdout.write('\n'.join(out) + '\n')


def load_suppressions(path):
    sup = []
    with open(path, encoding='utf-8') as f:
        dev = None
        loc = None
        for line in f:
            line = line.strip()
            m = re.match(r'^# (MD-[0-9]+): (\S+)', line)
            if m:
                dev = m.group(1)
                loc = m.group(2) if '/' in m.group(2) else None
                continue
            if not line or line.startswith('#'):
                continue
            parts = line.split(':')
            sid, fpat = parts[0], parts[1] if len(parts) > 1 else '*'
            ln = int(parts[2]) if len(parts) > 2 else None
            sup.append({'id': sid, 'file': fpat, 'line': ln, 'dev': dev, 'loc': loc, 'used': 0})
    return sup


_LINES = {}


def line_text(path, n):
    """line n of path, whitespace-normalised ('' when there is none)"""
    if path not in _LINES:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                _LINES[path] = [' '.join(x.split()) for x in f]
        except OSError:
            _LINES[path] = []
    lines = _LINES[path]
    return lines[n - 1] if 0 < n <= len(lines) else ''


def moved_match(s, fname, ln):
    """a suppression of a tagged runtime line, for a finding in a shortened
    copy of that file (stoic generate leaves unreached functions and unused
    macros out, so the lines move): the finding's line must carry the
    deviation's tag and read exactly as the runtime line"""
    if s['loc'] is None or s['line'] is None or fname == s['loc']:
        return False
    if os.path.basename(fname) != os.path.basename(s['loc']):
        return False
    text = line_text(fname, ln)
    return ('MISRA deviation ' in text and s['dev'] in re.findall(r'MD-[0-9]+', text)
            and text == line_text(s['loc'], s['line']))


def finding_key(x, names):
    """file (a variant's name replaced by NAME), rule, the source line's text:
    a key that survives edits elsewhere in the file"""
    base = os.path.basename(x['file'])
    for nm in names:
        if base.startswith(nm + '.') or base.startswith(nm + '_'):
            base = 'NAME' + base[len(nm):]
            break
    text = ''
    try:
        with open(x['file'], encoding='utf-8', errors='replace') as f:
            for n, line in enumerate(f, 1):
                if n == x['line']:
                    text = ' '.join(line.split())
                    break
    except OSError:
        pass
    return '%s | %s | %s' % (base, x['rule'], text)


def cmd_report(spath, dpath, gpath, version, out, results, open_path=None, names=()):
    sup = load_suppressions(spath)
    devs = deviations(dpath)
    cat = {num: c for kind, num, c, _, _, _ in guidelines(gpath) if kind == 'Rule'}
    findings = []
    seen = set()
    files = set()
    other = []
    for rpath in results:
        with open(rpath, encoding='utf-8', errors='replace') as f:
            for line in f:
                line = line.rstrip('\n')
                if line.startswith('FILE\t'):
                    files.add(line.split('\t', 1)[1])
                    continue
                p = line.split('\t')
                if len(p) != 6 or not p[3].startswith('misra-c2012-'):
                    if line.strip():
                        other.append(line)
                    continue
                fname, ln, col, eid, _, msg = p
                key = (fname, ln, col, eid)
                if key in seen:
                    continue
                seen.add(key)
                rule = eid[len('misra-c2012-'):]
                dev = None
                for s in sup:
                    # a tagged runtime line: in runtime/ itself by number
                    if s['id'] == eid and fnmatch.fnmatchcase(fname, s['file']) and \
                            (s['line'] is None or s['line'] == int(ln)) and \
                            (s['loc'] is None or s['loc'] == fname):
                        s['used'] += 1
                        dev = s['dev']
                        break
                # in a shortened copy (never an identical one: run.sh analyses
                # that as runtime/FILE) by the tag and the text
                for s in (sup if dev is None else []):
                    if s['id'] == eid and fnmatch.fnmatchcase(fname, s['file']) and \
                            moved_match(s, fname, int(ln)):
                        s['used'] += 1
                        dev = s['dev']
                        break
                findings.append({'file': fname, 'line': int(ln), 'column': int(col),
                                 'rule': 'Rule ' + rule,
                                 'severity': cat.get(rule, 'Required').lower(),
                                 'message': msg, 'deviation': dev})
    findings.sort(key=lambda x: (x['file'], x['line'], x['column'], rule_key(x['rule'][5:])))
    deviated = sum(1 for x in findings if x['deviation'])
    doc = {'tool': 'cppcheck-misra', 'version': version, 'findings': findings,
           'summary': {'files': len(files), 'findings': len(findings), 'deviated': deviated,
                       'undeviated': len(findings) - deviated}}
    os.makedirs(os.path.dirname(out) or '.', exist_ok=True)
    with open(out + '.tmp', 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    os.replace(out + '.tmp', out)
    rc = 0
    known = {}
    if open_path:
        with open(open_path, encoding='utf-8') as f:
            for line in f:
                line = line.rstrip('\n')
                if line and not line.startswith('#'):
                    known[line] = 0
    n_open = 0
    for x in findings:
        if not x['deviation'] and open_path:
            k = finding_key(x, names)
            if k in known:
                known[k] += 1
                n_open += 1
                continue
        if not x['deviation']:
            print('%s:%d:%d: %s: MISRA C:2012 %s (%s): %s' % (x['file'], x['line'], x['column'],
                  'error' if x['severity'] != 'advisory' else 'warning', x['rule'],
                  x['severity'], x['message']))
            rc = 1
    used = {}
    for s in sup:
        used[s['dev']] = used.get(s['dev'], 0) + s['used']
    for d in sorted(devs, key=lambda x: int(x[3:])):
        if used.get(d, 0) == 0 and not devs[d]['untooled']:
            print('%s:%d: error: deviation %s matches no finding (remove it, or the code it '
                  'covers has changed)' % (dpath, devs[d]['line'], d))
            rc = 1
    for line in other:
        print('cppcheck: error: %s' % line)
        rc = 1
    for k, c in known.items():
        if c == 0:
            print('%s: error: open finding no longer found (fixed? remove the line: make '
                  'misra-update): %s' % (open_path, k))
            rc = 1
    if open_path:
        print('misra: %d undeviated findings are open (known, listed in %s); any other fails'
              % (n_open, open_path))
    s = doc['summary']
    print('misra: %d files, %d findings, %d deviated (%d deviations), %d undeviated' %
          (s['files'], s['findings'], s['deviated'], len(devs), s['undeviated']))
    sys.exit(rc)


def cmd_compliance(gpath, addon_path, dpath, jpath):
    g = guidelines(gpath)
    devs = deviations(dpath)
    with open(addon_path, encoding='utf-8') as f:
        addon = set(f.read().split())
    with open(jpath, encoding='utf-8') as f:
        doc = json.load(f)
    found = {}
    for x in doc['findings']:
        r = x['rule'][5:]
        found.setdefault(r, [0, 0])
        found[r][0 if x['deviation'] else 1] += 1
    bydev = {}
    for d, v in devs.items():
        for r in v['rules']:
            bydev.setdefault(r, []).append(d)
    rc = 0
    names = {'tool': 'tool (cppcheck MISRA addon)', 'check': '`stoic check`',
             'compiler': 'compiler', 'review': 'review', 'n/a': 'not applicable'}
    lines = ['# MISRA C:2012 compliance matrix', '',
             'GENERATED by `make misra` (certification/misra/misra_tool.py) from',
             '`guidelines.txt` (wording, method, reason), the rules cppcheck %s\'s' % doc['version'],
             'MISRA addon implements, `deviations.md` and the findings of the last run',
             '(`build/misra/misra.json`: runtime/ and every output of `variants.txt`). Do not edit.',
             '',
             'Scope: `runtime/` and the generated files. MISRA C:2012 with Amendments 1 and 2;',
             'the wording is the project\'s own summary, not the standard\'s text.', '',
             '| summary | |', '| --- | --- |',
             '| files analysed | %d |' % doc['summary']['files'],
             '| findings | %d |' % doc['summary']['findings'],
             '| deviated (see deviations.md) | %d |' % doc['summary']['deviated'],
             '| undeviated | %d |' % doc['summary']['undeviated'], '',
             '| guideline | category | summary | checked by | deviations | findings (deviated) | reason / evidence |',
             '| --- | --- | --- | --- | --- | --- | --- |']
    counts = {}
    for kind, num, cat, text, ms, reason in g:
        gid = '%s %s' % (kind, num)
        if 'tool' in ms and (kind != 'Rule' or num not in addon):
            sys.stderr.write('misra_tool: error: %s: %s is marked "tool" but the addon does not '
                             'implement it\n' % (gpath, gid))
            rc = 1
        if kind == 'Rule' and num in addon and 'tool' not in ms:
            sys.stderr.write('misra_tool: error: %s: the addon implements %s: mark it "tool"\n'
                             % (gpath, gid))
            rc = 1
        for m in ms:
            counts[m] = counts.get(m, 0) + 1
        fd = found.get(num, [0, 0]) if kind == 'Rule' else [0, 0]
        ds = ', '.join(bydev.get(num, [])) if kind == 'Rule' else ', '.join(bydev.get('D' + num, []))
        lines.append('| %s | %s | %s | %s | %s | %d (%d) | %s |' % (
            gid, cat, text.replace('|', '\\|'), ', '.join(names[m] for m in ms), ds or '',
            fd[0] + fd[1], fd[0], reason.replace('|', '\\|')))
    lines += ['', '| method | guidelines |', '| --- | --- |']
    for m in ('tool', 'check', 'compiler', 'review', 'n/a'):
        lines.append('| %s | %d |' % (names[m], counts.get(m, 0)))
    lines.append('')
    lines.append('%d guidelines: %d directives, %d rules.' % (
        len(g), sum(1 for x in g if x[0] == 'Dir'), sum(1 for x in g if x[0] == 'Rule')))
    sys.stdout.write('\n'.join(lines) + '\n')
    sys.exit(rc)


def main():
    a = sys.argv[1:]
    if a[:1] == ['ruletexts'] and len(a) == 3:
        cmd_ruletexts(a[1], a[2])
    elif a[:1] == ['suppressions'] and len(a) == 4:
        cmd_suppressions(a[1], a[2], a[3])
    elif a[:1] == ['report'] and len(a) >= 6:
        opn = os.environ.get('MISRA_OPEN') or None
        names = variant_names(os.environ['MISRA_VARIANTS']) if os.environ.get('MISRA_VARIANTS') else ()
        cmd_report(a[1], a[2], a[3], a[4], a[5], a[6:], opn, names)
    elif a[:1] == ['openlist'] and len(a) == 3:
        with open(a[1], encoding='utf-8') as f:
            doc = json.load(f)
        names = variant_names(a[2])
        keys = sorted(set(finding_key(x, names) for x in doc['findings'] if not x['deviation']))
        sys.stdout.write('# GENERATED by make misra-update: the undeviated MISRA findings not yet\n'
                         '# fixed or deviated (file | rule | source line). make check fails on any\n'
                         '# finding not listed here, and on a line here that no finding matches.\n')
        sys.stdout.write(''.join(k + '\n' for k in keys))
    elif a[:1] == ['compliance'] and len(a) == 5:
        cmd_compliance(a[1], a[2], a[3], a[4])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == '__main__':
    main()
