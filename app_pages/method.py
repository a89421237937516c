"""Method: the ring graph of cosine similarities, with its formulas and threshold rules."""
import streamlit as st

from ui.page import page_header

page_header("Method", "How every ring in this app is computed (METHOD.md).", needs_words=False)

st.header("1. Similarity")
st.markdown("For $N$ words with embedding vectors $v_1, \\dots, v_N$, the cosine matrix is")
st.latex(r"S_{ij} = \frac{v_i \cdot v_j}{\lVert v_i \rVert \, \lVert v_j \rVert}")
st.markdown(
    "In trained spaces most pairs sit around a similarity of about 0.2, which would draw "
    "a hairball of weak links. Only unusually strong links are kept."
)

st.header("2. Threshold and mask")
st.markdown("With $U = \\{S_{ij} : i < j\\}$, the strict upper triangle of $S$:")
st.latex(r"A_{ij} = \begin{cases} 1 & S_{ij} \ge T,\ i \ne j \\ 0 & \text{otherwise} \end{cases}"
         r"\qquad \deg(i) = \sum_j A_{ij}")
st.markdown("The app offers three rules for the threshold $T$ (sidebar, *Threshold*):")
st.markdown("**seed** (default): median plus $k$ standard deviations of the upper triangle "
            "(population std; $k = 1$ by default).")
st.latex(r"T = \operatorname{median}(U) + k \cdot \operatorname{std}(U)")
st.markdown("**course**: as the course notebook computed it, the median of the non-zero "
            "upper-triangle values plus the std of the whole matrix (diagonal included); "
            "edges where $S_{ij} > T$ (strictly).")
st.latex(r"T = \operatorname{median}\{u \in U : u \ne 0\} + k \cdot \operatorname{std}(S)")
st.markdown("**fixed**: a threshold you choose, $T = t$ with $-1 \\le t \\le 1$.")
st.markdown("If all pairs are equally similar (no spread), every pair sits at the threshold "
            "and becomes an edge. On random vectors the seed rule still keeps about 16% of "
            "pairs (the share of a normal distribution above one std), but without structure.")

st.header("3. Ring layout")
st.markdown("Nodes sit evenly on the unit circle in list order (or grouped by category):")
st.latex(r"\theta_i = \frac{2\pi i}{N},\quad i = 0, \dots, N-1, \qquad "
         r"x_i = \cos\theta_i,\ \ y_i = \sin\theta_i")
st.markdown("The last angle stops one step short of $2\\pi$, which would land on node 0. "
            "A node's diameter grows with the square root of its degree, so hubs do not swamp "
            "the picture (the chart encodes the area of that diameter):")
st.latex(r"\text{size}_i = 3\sqrt{\deg(i)}")
st.markdown("Each edge is a straight line from $(x_i, y_i)$ to $(x_j, y_j)$, coloured by its "
            "cosine on the plasma scale: purple is weak (near $T$), yellow strongest. The "
            "weakest edges are drawn first so the strongest lie on top.")

st.header("4. What to look for")
st.markdown(
    "A list with real semantic structure shows communities (words densely linked to each "
    "other) and a few hubs, surrounded by weakly linked satellites. Random vectors give "
    "about as many edges, spread without pattern: compare on the *Random baseline* page.\n\n"
    "References: M. E. J. Newman (2003), *The structure and function of complex networks*, "
    "SIAM Review. M. Bastian et al. (2009), *Gephi: an open source software for exploring "
    "and manipulating networks*, ICWSM."
)
