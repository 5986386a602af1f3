"""Evaluation for llm-prune-gym: pruning benchmarks, hint grading, figures and reports.

Pruning (``llm-prune sensitivity | compare | scaled | criteria | export``):

- :mod:`evaluation.sensitivity`: KL of pruning one module type or one layer at a time;
- :mod:`evaluation.heldout`: per-batch KL of plans on held-out prompts;
- :mod:`evaluation.compare`: a plan vs uniform / sensitivity plans, scaled plans, criteria;
- :mod:`evaluation.stats`: bootstrap confidence intervals over batches;
- :mod:`evaluation.export`: the pruned model as a Hugging Face folder + sparsity report;
- :mod:`evaluation.plots`, :mod:`evaluation.report`: figures, CSV and Markdown.

Every command writes its Markdown, CSV and PNG files under one ``--out`` folder.
"""
