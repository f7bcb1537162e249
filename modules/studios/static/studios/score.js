// The running total while an expert scores: 100 × Σ weight·(score / max) / Σ weight, as the
// server computes it (engines/review/scoring.py); the server's figure is the one that counts.
(function () {
  const form = document.getElementById("score-form");
  const out = document.getElementById("running-total");
  if (!form || !out) return;
  const inputs = Array.from(form.querySelectorAll("input[data-weight]"));
  function update() {
    let weights = 0;
    let acc = 0;
    for (const input of inputs) {
      const weight = Number(input.dataset.weight);
      const max = Number(input.dataset.max);
      weights += weight;
      const value = Number(input.value);
      if (input.value !== "" && value >= 0 && value <= max) acc += (weight * value) / max;
    }
    out.textContent = weights ? ((100 * acc) / weights).toFixed(2) : "—";
  }
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();
