"""Answer quality: QMSum discussion questions against a LlamaIndex peer, and fact look-ups over the demo corpus.

`qmsum`: QMSum validation questions with their meeting given (the transcript filter), answered by ragqa's
answer engine or (`--system peer`) by LlamaIndex's `CitationQueryEngine` out of the box over a
`VectorStoreIndex` of the same meeting, driven by the same LLM and encoder. Per answer: ROUGE-1/2/L F1 against
the reference answer (rouge-score, stemmed, citation markers removed), whether it cites a gold evidence turn,
words, refusal, seconds. Results go to a JSON file keyed by question id, so long runs can be split
(`--offset`, `--n`) and the slow peer run once and reused.

`facts`: fact questions over the demo corpus (data/seed, data/kremlin) in English, Italian and Russian, asked
across the whole corpus, plus questions the corpus cannot answer. An answerable question is right when the
answer states the fact and cites a passage holding it; wrong refusal = refused although answerable; vague =
answered without the fact. An unanswerable question should be refused (true-refusal rate).

`report FILE...`: the table of one or more result files (rows over the questions every file answered, too).

    python -m bench.answer_quality qmsum --system ragqa --n 20 --out /tmp/ragqa-quality.json
    python -m bench.answer_quality qmsum --system peer --n 5 --offset 0 --out /tmp/ragqa-quality-peer.json
    python -m bench.answer_quality facts --out /tmp/ragqa-facts.json
    python -m bench.answer_quality report /tmp/ragqa-quality.json /tmp/ragqa-quality-peer.json
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from ragqa.index import build_from_transcripts, build_index
from ragqa.settings import Settings, load_settings
from ragqa.types import Answer, Transcript, Turn

from .common import DATA, DEFAULT_CACHE, REPO, Table, machine, median, read_jsonl, stable_order

_MARKER = re.compile(r"\[\d+(?:\s*[,;-]\s*\d+)*\]")

# (question, forms of the fact in the answer, forms of it in a cited passage); answer forms None = unanswerable
FACTS: list[tuple[str, tuple[str, ...] | None, tuple[str, ...]]] = [
    ("On what date will Tokayev make his official visit to Russia?", ("12 november", "november 12", "12 novembre"),
     ("12 novembre",)),
    ("What cultural event opened in Moscow?", ("festival",), ("Festival della Cultura",)),
    ("How much have Russian companies invested in Kazakhstan's economy over the years?", ("26",), ("26 miliardi",)),
    ("A quanto ammonta il volume degli scambi commerciali dell'anno scorso tra Russia e Kazakistan?", ("28",),
     ("28 miliardi",)),
    ("Quale traguardo di scambi commerciali spera di raggiungere Tokayev?", ("30",), ("30 miliardi",)),
    ("Quale organizzazione di integrazione ha avviato il Kazakistan?", ("eurasiatica", "uee"), ("UEE",)),
    ("Сколько проектов уже реализовано между Россией и Казахстаном?", ("114",), ("114 progetti",)),
    ("Где встретились Путин и Токаев?", ("душанбе", "dushanbe"), ("Dushanbe",)),
    ("How many branches does Roskomnadzor have?", ("71", "seventy-one"), ("seventy-one",)),
    ("In how many Russian regions is bandy developing?", ("47",), ("47 of Russia",)),
    ("When will the first manned launch from the Vostochny cosmodrome take place?", ("2018",), ("2018",)),
    ("How many children now have new kindergartens built by LUKOIL?", ("2,000", "2000", "2 000"),
     ("2,000 children",)),
    ("How many teams play in the bandy Super League?", ("13", "thirteen"), ("13 teams",)),
    ("Qual è la multa più alta per l'uso illecito dei dati personali?", ("75",), ("75,000 rubles",)),
    ("Con quale punteggio la nazionale russa di bandy ha battuto la Finlandia?", ("6:1", "6-1", "6 a 1"), ("6:1",)),
    ("Quanto profitto hanno registrato le aziende di Roscosmos nei primi sei mesi dell'anno?", ("6.5", "6,5"),
     ("6.5 billion",)),
    ("Сколько жалоб от граждан получил Роскомнадзор в прошлом году?", ("43",), ("43,000",)),
    ("Сколько регионов влияют на экологию бассейна Волги?", ("29",), ("29 regions",)),
    ("Когда планируется запустить модуль, который сядет на Марс?", ("2020",), ("In 2020",)),
    ("Какую долю мировой добычи нефти обеспечивает ЛУКОЙЛ?", ("2 %", "2%", "2 процент", "2 percent", "два процент"),
     ("2 percent of world oil",)),
    # not in the corpus
    ("How long is the border between Kazakhstan and China?", None, ()),
    ("What is the name of Tokayev's wife?", None, ()),
    ("How much did a ticket to the gala concert in Moscow cost?", None, ()),
    ("Who won the bandy world championship in 1990?", None, ()),
    ("Quanti abitanti ha Dushanbe?", None, ()),
    ("In che anno è stata fondata Rosatom?", None, ()),
    ("Qual è la ricetta della carbonara?", None, ()),
    ("Какая погода была в Душанбе во время встречи?", None, ()),
    ("Сколько сотрудников работает в ЛУКОЙЛе?", None, ()),
    ("Какова высота Эвереста?", None, ()),
]


def words(text: str) -> int:
    return len(_MARKER.sub(" ", text).split())


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    return settings.merged(llm={"backend": args.backend}) if args.backend else settings


def _engine(index: Any) -> Any:
    from ragqa.answering.engine import engine_for

    return engine_for(index)


def _meeting(meeting_id: str) -> dict[str, Any]:
    for row in read_jsonl(DATA / "qmsum-val" / "transcripts.jsonl"):
        if row["meeting_id"] == meeting_id:
            return row
    raise KeyError(meeting_id)


def _questions(n: int, offset: int) -> list[dict[str, Any]]:
    rows = [q for q in stable_order(read_jsonl(DATA / "qmsum-val" / "questions.jsonl"), lambda r: r["qid"])
            if q.get("gold_turns")]
    return rows[offset:offset + n]


def _rouge(answer: str, reference: str) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores = scorer.score(reference, _MARKER.sub(" ", answer))
    return {name: 100 * s.fmeasure for name, s in scores.items()}


class _RagqaSystem:
    def __init__(self, settings: Settings, cache: Path, k: int | None) -> None:
        self.settings, self.cache, self.k = settings, cache, k
        self._indexes: dict[str, Any] = {}

    def prepare(self, q: dict[str, Any]) -> None:
        """Index the question's meeting (not timed)."""
        mid = q["meeting_id"]
        if mid not in self._indexes:
            row = _meeting(mid)
            transcript = Transcript(id=mid, title=mid, turns=[Turn(index=i, speaker=t["speaker"], text=t["text"])
                                                              for i, t in enumerate(row["turns"])])
            self._indexes[mid] = build_from_transcripts([transcript], index_dir=self.cache / "qmsum-meeting" / mid,
                                                        settings=self.settings)

    def answer(self, q: dict[str, Any]) -> tuple[str, set[int], bool]:
        mid = q["meeting_id"]
        answer = _engine(self._indexes[mid]).ask(q["question"], k=self.k, transcript=mid)
        assert isinstance(answer, Answer)
        return answer.text, {t for c in answer.citations for t in c.turns}, answer.refused


class _PeerSystem:
    """LlamaIndex out of the box: one Document per meeting, VectorStoreIndex, CitationQueryEngine defaults."""

    def __init__(self, settings: Settings) -> None:
        from ragqa.embedding import make_embedder
        from ragqa.llm import make_llm

        from .llama_peer import _embedding_class

        self.llm = make_llm(settings)
        self.embed_model = _embedding_class()(make_embedder(settings))
        self._engines: dict[str, tuple[Any, str, list[tuple[int, int]]]] = {}

    def prepare(self, q: dict[str, Any]) -> None:
        """Index the question's meeting (not timed)."""
        self._engine(q["meeting_id"])

    def _engine(self, mid: str) -> tuple[Any, str, list[tuple[int, int]]]:
        if mid not in self._engines:
            from llama_index.core import Document, VectorStoreIndex
            from llama_index.core.query_engine import CitationQueryEngine

            lines = [f"{t['speaker']}: {t['text']}" if t["speaker"] else t["text"] for t in _meeting(mid)["turns"]]
            spans, pos = [], 0
            for line in lines:
                spans.append((pos, pos + len(line)))
                pos += len(line) + 1
            text = "\n".join(lines)
            index = VectorStoreIndex.from_documents([Document(text=text, id_=mid)], embed_model=self.embed_model)
            self._engines[mid] = (CitationQueryEngine.from_args(index, llm=self.llm), text, spans)
        return self._engines[mid]

    def answer(self, q: dict[str, Any]) -> tuple[str, set[int], bool]:
        engine, text, spans = self._engine(q["meeting_id"])
        response = engine.query(q["question"])
        answer = str(response.response or "")
        cited: set[int] = set()
        for n in {int(m) for m in re.findall(r"\[(\d+)\]", answer)}:
            if 1 <= n <= len(response.source_nodes):
                chunk = re.sub(r"^Source \d+:\s*", "", response.source_nodes[n - 1].node.get_content()).strip()
                start = text.find(chunk[:200])
                if start >= 0:
                    end = start + len(chunk)
                    cited |= {i for i, (a, b) in enumerate(spans) if a < end and b > start}
        refused = not answer.strip() or bool(re.search(r"(does not|doesn't|do not) (contain|provide|mention)|"
                                                        r"no information|not (mentioned|provided)", answer, re.I))
        return answer, cited, refused


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {"label": "", "results": {}}


def run_qmsum(args: argparse.Namespace) -> None:
    settings = _settings(args)
    system = _PeerSystem(settings) if args.system == "peer" else _RagqaSystem(settings, args.cache, args.k)
    store = _load(args.out)
    store["label"] = args.label or store.get("label") or args.system
    for q in _questions(args.n, args.offset):
        if q["qid"] in store["results"] and not args.redo:
            continue
        system.prepare(q)
        start = time.perf_counter()
        text, cited, refused = system.answer(q)
        seconds = time.perf_counter() - start
        store["results"][q["qid"]] = {"question": q["question"], "answer": text, "reference": q["answer"],
                                      "cited": sorted(cited), "gold_cited": bool(cited & set(q["gold_turns"])),
                                      "refused": refused, "words": words(text), "seconds": seconds,
                                      **_rouge(text, q["answer"])}
        args.out.write_text(json.dumps(store, indent=1, ensure_ascii=False))
        print(f"{q['qid']} {seconds:.1f}s {q['question']}\n  -> {text!r}", file=sys.stderr, flush=True)
    store["machine"] = machine()
    args.out.write_text(json.dumps(store, indent=1, ensure_ascii=False))


def qmsum_table(paths: list[Path]) -> Table:
    stores = [_load(p) for p in paths]
    common = set.intersection(*(set(s["results"]) for s in stores)) if stores else set()
    table = Table("QMSum val, meeting given", ["system", "questions", "ROUGE-1", "ROUGE-2", "ROUGE-L",
                                                "cites gold", "median words", "refused", "median s/answer"])
    for scope, pick in (("all", None), ("common", common)):
        for store in stores:
            rows = [r for qid, r in store["results"].items() if pick is None or qid in pick]
            if not rows or (scope == "common" and len(stores) == 1):
                continue
            mean = lambda key: sum(r[key] for r in rows) / len(rows)  # noqa: E731
            table.add(f"{store['label']} ({scope})", len(rows), mean("rouge1"), mean("rouge2"), mean("rougeL"),
                      f"{sum(r['gold_cited'] for r in rows)}/{len(rows)}", median([r["words"] for r in rows]),
                      sum(r["refused"] for r in rows), median([r["seconds"] for r in rows]))
    table.notes.append("ROUGE F1 ×100 vs the reference answer; cites gold = the cited turns include a gold "
                       "evidence turn; (common) = the questions every file answered")
    return table


def run_facts(args: argparse.Namespace) -> None:
    settings = _settings(args)
    index = build_index([REPO / "data" / "seed", REPO / "data" / "kremlin"], index_dir=args.cache / "demo-index",
                        settings=settings)
    engine = _engine(index)
    store = {"label": args.label or "facts", "results": {}}
    for question, in_answer, in_passage in FACTS:
        start = time.perf_counter()
        answer = engine.ask(question, k=args.k)
        assert isinstance(answer, Answer)
        text = re.sub(r"(?<=\d)[,\s](?=\d{3}\b)", "", answer.text).lower()
        stated = in_answer is not None and any(f.replace(",", "").lower() in text.replace(",", "")
                                               for f in in_answer)
        cited = any(p.lower() in c.quote.lower() for c in answer.citations for p in in_passage)
        store["results"][question] = {"answerable": in_answer is not None, "refused": answer.refused,
                                      "right": stated and cited, "stated": stated, "answer": answer.text,
                                      "seconds": time.perf_counter() - start}
        print(f"{question}\n  -> {answer.text!r}", file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(store, indent=1, ensure_ascii=False))
    print(facts_table([args.out]).render())


def facts_table(paths: list[Path]) -> Table:
    table = Table("Fact questions over the demo corpus (en/it/ru)", [
        "run", "answerable", "right+cited", "wrong refusals", "vague/wrong", "unanswerable", "true refusals"])
    for path in paths:
        store = _load(path)
        rows = list(store["results"].values())
        yes = [r for r in rows if r["answerable"]]
        no = [r for r in rows if not r["answerable"]]
        table.add(store["label"], len(yes), sum(r["right"] for r in yes), sum(r["refused"] for r in yes),
                  sum(not r["refused"] and not r["right"] for r in yes), len(no), sum(r["refused"] for r in no))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="part", required=True)
    for name in ("qmsum", "facts"):
        p = sub.add_parser(name)
        p.add_argument("--out", type=Path, required=True, help="JSON results file (qmsum: added to)")
        p.add_argument("--label", default=None)
        p.add_argument("--k", type=int, default=None, help="passages (default: the engine's)")
        p.add_argument("--backend", choices=["llamacpp", "none", "ollama", "openai"], default=None)
        p.add_argument("--config", default=None, help="ragqa.toml to read settings from")
        p.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "answer", help="where indexes are kept")
    qmsum = sub.choices["qmsum"]
    qmsum.add_argument("--system", choices=["ragqa", "peer"], default="ragqa")
    qmsum.add_argument("--n", type=int, default=10)
    qmsum.add_argument("--offset", type=int, default=0)
    qmsum.add_argument("--redo", action="store_true", help="answer questions already in --out again")
    report = sub.add_parser("report")
    report.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.part == "qmsum":
        run_qmsum(args)
        print(qmsum_table([args.out]).render())
    elif args.part == "facts":
        run_facts(args)
    else:
        qmsum_files = [p for p in args.files if _load(p)["results"] and "rouge1" in next(iter(_load(p)["results"].values()))]
        fact_files = [p for p in args.files if p not in qmsum_files]
        if qmsum_files:
            print(qmsum_table(qmsum_files).render())
        if fact_files:
            print(facts_table(fact_files).render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
