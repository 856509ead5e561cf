"""Look and behaviour of the chat page: theme, CSS, and the script that links `[n]` to its card."""
from __future__ import annotations

import gradio as gr

SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    """A calm theme using system fonts only (nothing is fetched from the internet)."""
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="slate", neutral_hue="slate",
                          font=SYSTEM_FONTS, font_mono=MONO_FONTS)


CSS = """
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
#topbar { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between;
          gap: 0.5rem 1.5rem; padding: 0.25rem 0 0.75rem; border-bottom: 1px solid var(--border-color-primary); }
#brand { flex: 1 1 320px; }
.stats { flex: 1 1 360px; }
#brand h1 { margin: 0; font-size: 1.6rem; font-weight: 700; letter-spacing: -0.01em; }
#brand h1 span { color: var(--color-accent); }
#brand p { margin: 0.15rem 0 0; color: var(--body-text-color-subdued); font-size: 0.95rem; }
.stats { display: flex; flex-wrap: wrap; gap: 0.35rem 0.5rem; justify-content: flex-end;
         font-size: 0.82rem; color: var(--body-text-color-subdued); }
.stats span { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
              border-radius: 999px; padding: 0.15rem 0.6rem; white-space: nowrap; }
.stats b { color: var(--body-text-color); font-weight: 600; }

#chat .message-content, #chat .message-content *, #upload-status * { overflow-wrap: anywhere; }

/* citation markers in answers */
a.cite, .cite-pending { display: inline-block; min-width: 1.55em; padding: 0 0.3em; margin: 0 0.08em;
    border-radius: 0.45em; font-size: 0.78em; font-weight: 600; line-height: 1.45; text-align: center;
    vertical-align: 0.12em; text-decoration: none !important; }
a.cite { background: var(--color-accent-soft); color: var(--color-accent) !important;
         border: 1px solid var(--color-accent); cursor: pointer; }
a.cite:hover, a.cite:focus { background: var(--color-accent); color: white !important; }
.cite-pending { background: var(--background-fill-secondary); color: var(--body-text-color-subdued);
                border: 1px dashed var(--border-color-primary); }
.answer-error { color: var(--error-text-color, #b91c1c); }
.answer-note { display: block; margin-top: 0.5rem; font-size: 0.85em; color: var(--body-text-color-subdued); }
.searched-for { margin-top: 0.4rem; font-size: 0.8em; color: var(--body-text-color-subdued); font-style: italic; }

/* sources panel */
#sources-col { position: sticky; top: 0.75rem; align-self: flex-start; }
#sources { max-height: calc(100vh - 1.5rem); overflow-y: auto; padding-right: 0.15rem; }
.src-panel h3 { margin: 0 0 0.6rem; font-size: 1.05rem; }
.src-empty p { color: var(--body-text-color-subdued); font-size: 0.92rem; line-height: 1.5; }
.src-group { margin-bottom: 0.75rem; }
.src-group > summary { cursor: pointer; list-style: none; display: flex; gap: 0.5rem; align-items: baseline;
    justify-content: space-between; padding: 0.35rem 0.1rem; font-size: 0.88rem;
    color: var(--body-text-color-subdued); }
.src-group > summary::-webkit-details-marker { display: none; }
.src-group > summary::before { content: "▸"; }
.src-group[open] > summary::before { content: "▾"; }
.src-q { flex: 1; font-style: italic; overflow: hidden; text-overflow: ellipsis; display: -webkit-box;
         -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.src-count { white-space: nowrap; font-size: 0.8rem; }
.src-none { color: var(--body-text-color-subdued); font-size: 0.9rem; }
.src-card { border: 1px solid var(--border-color-primary); border-left: 4px solid var(--color-accent);
    border-radius: 0.6rem; padding: 0.65rem 0.8rem 0.7rem; margin: 0 0 0.65rem;
    background: var(--background-fill-primary); scroll-margin: 0.75rem;
    transition: box-shadow 0.3s ease, background 0.3s ease; }
.src-card.flash { box-shadow: 0 0 0 3px var(--color-accent-soft); background: var(--color-accent-soft); }
.src-card header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.55rem; }
.src-n { display: inline-flex; align-items: center; justify-content: center; min-width: 1.6rem; height: 1.6rem;
         border-radius: 999px; background: var(--color-accent); color: white; font-weight: 700;
         font-size: 0.8rem; }
.src-speaker { font-weight: 650; font-size: 0.98rem; }
.src-turns { margin-left: auto; font-size: 0.78rem; color: var(--body-text-color-subdued);
             font-variant-numeric: tabular-nums; white-space: nowrap; }
.src-title { margin: 0.3rem 0 0.45rem; font-size: 0.82rem; color: var(--body-text-color-subdued);
             line-height: 1.35; }
.src-title a { color: inherit; text-decoration: underline dotted; padding: 0 !important; background: none; }
.src-date { white-space: nowrap; }
.src-date::before { content: " · "; }
.src-quote { margin: 0; padding: 0.1rem 0 0 0.7rem; border-left: 2px solid var(--border-color-primary);
             font-size: 0.92rem; line-height: 1.55; white-space: pre-wrap; overflow-wrap: anywhere;
             }
.src-quote mark { background: #fde68a; color: #1f2937; border-radius: 0.2em; padding: 0 0.1em; }
.dark .src-quote mark { background: #a16207; color: white; }

#upload-status p { margin: 0.25rem 0; }

@media (max-width: 720px) {
  .gradio-container { padding: 0 0.5rem !important; }
  #brand h1 { font-size: 1.3rem; }
  .stats { justify-content: flex-start; }
  #sources-col { position: static; }
  #sources { max-height: none; overflow: visible; }
  .src-turns { margin-left: 0; }
}
"""

# A capturing click handler: `[n]` in an answer opens its source group and brings the card into view.
HEAD = """
<script>
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a.cite") : null;
  if (!link) return;
  var target = link.getAttribute("href") || "";
  var card = target.charAt(0) === "#" ? document.getElementById(target.slice(1)) : null;
  if (!card) return;
  event.preventDefault();
  event.stopPropagation();
  var group = card.closest("details");
  if (group) group.open = true;
  card.scrollIntoView({behavior: "smooth", block: "nearest"});
  card.classList.remove("flash");
  void card.offsetWidth;
  card.classList.add("flash");
  setTimeout(function () { card.classList.remove("flash"); }, 1600);
}, true);
</script>
"""
