#!/usr/bin/env python3
"""Which missed gangs a clusterer could have recovered: the gangs `score.py` counts as not recovered, each with its
pieces (the clusters holding its reports) and whether the plain-components baseline (`indep/components.py`: shared
gang- or lone-owned identifiers and accounts from the generator's truth, hubs, relays, desks and services removed)
joins each piece to the gang's largest one. A piece it does not join shares no identifier and no money with the rest
of its gang: no clusterer recovers it from what the reports and transfers hold ("at the evidence limit").

usage: misses.py DATA_DIR DISTRICT_DIR [RUN]

Prints one line per missed gang (its pieces, largest first; a gang in one impure cluster is missed for the others'
reports in it), then a summary line:
  missed N gangs; at the evidence limit M (split, and every smaller piece unlinked by the baseline)
"""
import collections
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.join(here, "indep")]
import components  # noqa: E402
import score  # noqa: E402


def main():
    data, district = sys.argv[1], sys.argv[2]
    _, cluster, truth = score.load(data, district, int(sys.argv[3]) if len(sys.argv) > 3 else None)
    ids = [r for r in truth if r in cluster]
    size = collections.Counter(cluster[r] for r in ids)
    members = collections.defaultdict(list)
    for r in ids:
        members[truth[r]].append(r)
    find = components.components(district)

    missed = limit = 0
    for gang in sorted(g for g in members if not g.startswith("lone:")):
        reports = members[gang]
        pieces = collections.defaultdict(list)
        for r in reports:
            pieces[cluster[r]].append(r)
        if any(score.recovered_in(len(p), len(reports), size[c]) for c, p in pieces.items()):
            continue
        missed += 1
        ordered = sorted(pieces.values(), key=len, reverse=True)
        largest = {find(r) for r in ordered[0]}
        linked = [any(find(r) in largest for r in p) for p in ordered[1:]]
        at_limit = len(ordered) > 1 and not any(linked)
        limit += at_limit
        shown = ", ".join("%d%s" % (len(p), "" if i == 0 else (" (linked)" if linked[i - 1] else " (unlinked)"))
                          for i, p in enumerate(ordered))
        # Its largest piece's cluster, when other groups' reports make it impure.
        big = cluster[ordered[0][0]]
        extra = "; the largest in a cluster of %d" % size[big] if size[big] > len(ordered[0]) else ""
        print("%s: %d reports in pieces of %s%s%s" % (gang, len(reports), shown, extra,
                                                      "; at the evidence limit" if at_limit else ""))
    print("missed %d gangs; at the evidence limit %d" % (missed, limit))


if __name__ == "__main__":
    main()
