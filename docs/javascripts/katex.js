// Render the maths that pymdownx.arithmatex marks (class "arithmatex"), with the KaTeX
// served from this site (assets/katex), on every page Material loads (instant loading).
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,
  });
});
