"""Method: how the rings are built and what every number on the other pages means.

The full text is docs/method.md in the repository; the page summarises it and shows it in an expander.
"""

import re
from pathlib import Path

import streamlit as st

from ui.page import page_header

METHOD_DOC = Path(__file__).resolve().parents[1] / "docs" / "method.md"

page_header("Method", "How every ring and every number in this app is computed.", needs_words=False)

st.header("1. Similarity")
st.markdown("For $N$ words with embedding vectors $v_1, \\dots, v_N$, the cosine matrix is")
st.latex(r"S_{ij} = \frac{v_i \cdot v_j}{\lVert v_i \rVert \, \lVert v_j \rVert}")
st.markdown(
    "In trained spaces most pairs sit around a similarity of about 0.2, which would draw "
    "a hairball of weak links. Only unusually strong links are kept."
)

st.header("2. Threshold and mask")
st.markdown("With $U = \\{S_{ij} : i < j\\}$, the strict upper triangle of $S$:")
st.latex(
    r"A_{ij} = \begin{cases} 1 & S_{ij} \ge T,\ i \ne j \\ 0 & \text{otherwise} \end{cases}"
    r"\qquad \deg(i) = \sum_j A_{ij}"
)
st.markdown("The app offers three rules for the threshold $T$ (sidebar, *Threshold*):")
st.markdown(
    "**seed** (default): median plus $k$ standard deviations of the upper triangle "
    "(population std; $k = 1$ by default)."
)
st.latex(r"T = \operatorname{median}(U) + k \cdot \operatorname{std}(U)")
st.markdown(
    "**course**: as the course notebook computed it, the median of the non-zero "
    "upper-triangle values plus the std of the whole matrix (diagonal included); "
    "edges where $S_{ij} > T$ (strictly)."
)
st.latex(r"T = \operatorname{median}\{u \in U : u \ne 0\} + k \cdot \operatorname{std}(S)")
st.markdown("**fixed**: a threshold you choose, $T = t$ with $-1 \\le t \\le 1$.")
st.markdown(
    "If all pairs are equally similar (no spread), every pair sits at the threshold "
    "and becomes an edge. On random vectors the seed rule still keeps about 16% of "
    "pairs (the share of a normal distribution above one std), but without structure. "
    "Under each ring: **edges** (pairs kept), **density** (edges / $N(N-1)/2$) and "
    "**isolated** (words of degree 0)."
)

st.header("3. Ring layout")
st.markdown("Nodes sit evenly on the unit circle in list order (or grouped by category):")
st.latex(
    r"\theta_i = \frac{2\pi i}{N},\quad i = 0, \dots, N-1, \qquad "
    r"x_i = \cos\theta_i,\ \ y_i = \sin\theta_i"
)
st.markdown(
    "The last angle stops one step short of $2\\pi$, which would land on node 0. "
    "A node's diameter grows with the square root of its degree, so hubs do not swamp "
    "the picture (the chart encodes the area of that diameter):"
)
st.latex(r"\text{size}_i = 3\sqrt{\deg(i)}")
st.markdown(
    "Each edge is a straight line from $(x_i, y_i)$ to $(x_j, y_j)$, coloured by its "
    "cosine on the plasma scale: purple is weak (near $T$), yellow strongest. The "
    "weakest edges are drawn first so the strongest lie on top."
)

st.header("4. How alike are two sources?")
st.markdown(
    "Compare restricts both sources to the words both have, in A's order.\n\n"
    "- **RSA**: the Spearman (and Pearson) correlation of the two upper triangles: do the two "
    "spaces order the pairs alike?\n"
    "- **Mantel p**: the pairs are not independent, so the p-value comes from relabelling words: "
    "$P$ random permutations $\\pi$ of B's rows and columns together (10,000 and seed 0; "
    "fewer, at least 199, for lists over about 200 words: the metric's help says how many), "
    "one-sided, never 0:"
)
st.latex(r"p = \frac{1 + \#\{\pi : r_\pi \ge r\}}{1 + P}")
st.markdown("- **Edge Jaccard**: shared edges over edges in either graph (1 = identical graphs):")
st.latex(r"J = \frac{|E_A \cap E_B|}{|E_A \cup E_B|}")
st.markdown(
    "- **Degree Spearman**: the Spearman correlation of the two degree vectors: are the same "
    "words hubs in both?\n"
    "- **Communities**: Louvain on each graph, the cosine as edge weight, seed 0. "
    "**Modularity** $Q$ says how much more weight lies inside communities than in a random graph "
    "with the same degrees ($s_i$ the weighted degree, $2m = \\sum_i s_i$):"
)
st.latex(r"Q = \frac{1}{2m} \sum_{ij} \Big[ W_{ij} - \frac{s_i s_j}{2m} \Big] \, \delta(c_i, c_j)")
st.markdown(
    "- **Communities ARI**: the adjusted Rand index of A's and B's communities (1 = the same "
    "partition, about 0 = chance). **Category ARI** compares a graph's communities with the "
    "list's categories.\n"
    "- **Selectivity** (lists with categories): mean cosine of pairs within a category minus "
    "mean cosine of pairs between categories, from the raw cosines:"
)
st.latex(r"\text{sel} = \overline{S}_{\text{same category}} - \overline{S}_{\text{different categories}}")
st.markdown("- **Threshold sweep**: edges, components and the largest component as $k$ goes from 0 to 3.")

st.header("5. Is it more than chance?")
st.markdown(
    "*Random baseline* recomputes density, modularity, selectivity, category ARI and RSA for "
    "$K$ = 200 **random** spaces (N(0, 1) vectors of the same dimension) and $K$ **shuffled** "
    "spaces (the source's own vectors handed to the words in a random order). For null values "
    "$x_1, \\dots, x_K$:"
)
st.latex(
    r"z = \frac{\text{real} - \operatorname{mean}(x)}{\operatorname{std}(x)}, \qquad "
    r"p = \frac{1 + \#\{k : x_k \ge \text{real}\}}{1 + K}"
)
st.markdown(
    "A shuffled space keeps the real graph's shape, so its density and modularity never change "
    "and have no $z$ (a dash): only which word sits where is tested. The **Hubs** page applies "
    "the same rules to a whole vocabulary, exactly, and compares the degree distribution with "
    "random and shuffled baselines."
)

st.header("6. What to look for")
st.markdown(
    "A list with real semantic structure shows communities (words densely linked to each "
    "other) and a few hubs, surrounded by weakly linked satellites. Random vectors give "
    "about as many edges, spread without pattern: compare on the *Random baseline* page.\n\n"
    "References: M. E. J. Newman (2003), *The structure and function of complex networks*, "
    "SIAM Review. M. Bastian et al. (2009), *Gephi: an open source software for exploring "
    "and manipulating networks*, ICWSM. N. Mantel (1967), *Cancer Research*. "
    "N. Kriegeskorte et al. (2008), *Representational similarity analysis*, Frontiers in "
    "Systems Neuroscience."
)

st.header("The full method")
st.markdown(
    "Every rule, default and statistic, with the neighbourhood and many-source measures, is "
    "written out in `docs/method.md` in the project's repository, shown here in full."
)
with st.expander("docs/method.md"):
    # Links between the docs files do not resolve inside the app: keep their text, name the file.
    text = METHOD_DOC.read_text(encoding="utf-8")
    st.markdown(re.sub(r"\[([^\]]+)\]\(([\w.-]+\.md)(#[\w-]*)?\)", r"\1 (docs/\2)", text))
