"""Faster R-CNN (Ren et al., 2015), the "Faster R-CNN" program of the paper's
suite, at a small size: 64x64 synthetic images with coloured rectangles of
three classes, a three-stage CNN backbone (stride 4), a region proposal
network over 6 anchors per cell, RoI max pooling and a two-layer box head,
trained end to end (approximate joint training) with SGD.

Python features kept, the ones that make detectors hard to turn into one
graph:
* the RPN's outputs leave the tensor world in the middle of each step:
  ``.detach().numpy()``, anchor decoding, clipping, top-k and greedy
  non-maximum suppression are written in NumPy (as in the original
  py-faster-rcnn proposal layer), per image, in a Python loop;
* anchor and proposal target assignment (IoU matching, NumPy-sampled
  positives and negatives) in NumPy, turned into index and target tensors
  with ``torch.from_numpy``;
* RoI pooling of a data-dependent number of kept boxes: each box cropped
  from the feature map by integer slicing, ``F.adaptive_max_pool2d`` per
  box, then ``torch.stack``; the box head's class-specific deltas picked
  with two index tensors, ``box_deltas[fg, labels[fg]]``, as torchvision's
  roi_heads does;
* losses of all four heads summed, one ``.item()`` per head for the log.

log.step gets the total loss (RPN objectness + RPN box + RoI class + RoI
box). log.record gets, per step, how many RoIs went to the box head, and the
proposals and detections of a final inference pass (indices and labels,
which must be the same in every mode).

Tolerance: 1e-3 relative. Convolutions and matmuls differ by float32
reassociation (~1e-7 relative); the NumPy decisions (NMS, sampling,
IoU thresholds) see the same float32 values up to that noise, so they take
the same branches and the losses stay within ~1e-5 over the default steps
with SGD at lr 0.01.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import StepLog, init_parameters, steps, warmup

IMAGE = 64
STRIDE = 4
NUM_CLASSES = 3                      # foreground classes; 0 is background
ANCHOR_SIZES = (12.0, 24.0)
ANCHOR_RATIOS = (0.5, 1.0, 2.0)
POOL = 3
PRE_NMS_TOP_N = 120
POST_NMS_TOP_N = 24
RPN_BATCH = 64                       # sampled anchors per image
ROI_BATCH = 24                       # sampled RoIs per image
BATCH = 2

COLOURS = np.array([[1.0, 0.2, 0.2], [0.2, 1.0, 0.2], [0.3, 0.3, 1.0]],
                   dtype=np.float32)


# ----------------------------------------------------------------------------
# Synthetic data
# ----------------------------------------------------------------------------

def make_image(rng):
    """One image with 1-3 filled rectangles; boxes (x1, y1, x2, y2) in
    pixels and labels 1..NUM_CLASSES."""
    image = rng.normal(0.0, 0.05, (3, IMAGE, IMAGE)).astype(np.float32)
    count = rng.integers(1, 4)
    boxes, labels = [], []
    for _ in range(count):
        w, h = rng.integers(10, 33, 2)
        x1 = rng.integers(0, IMAGE - w)
        y1 = rng.integers(0, IMAGE - h)
        label = rng.integers(1, NUM_CLASSES + 1)
        image[:, y1:y1 + h, x1:x1 + w] += COLOURS[label - 1][:, None, None]
        boxes.append([x1, y1, x1 + w, y1 + h])
        labels.append(label)
    return image, np.array(boxes, dtype=np.float32), np.array(labels)


# ----------------------------------------------------------------------------
# Box utilities (NumPy)
# ----------------------------------------------------------------------------

def make_anchors(height, width):
    """Anchors of every feature cell, (H * W * A, 4), cell-major."""
    base = []
    for size in ANCHOR_SIZES:
        for ratio in ANCHOR_RATIOS:
            w = size / np.sqrt(ratio)
            h = size * np.sqrt(ratio)
            base.append([-w / 2, -h / 2, w / 2, h / 2])
    base = np.array(base, dtype=np.float32)
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    centres = (np.stack([xs, ys, xs, ys], -1).reshape(-1, 1, 4) + 0.5) * STRIDE
    return (centres + base[None]).reshape(-1, 4).astype(np.float32)


def box_iou(a, b):
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def encode(boxes, reference):
    """Regression targets (dx, dy, dw, dh) of boxes relative to reference."""
    rw = reference[:, 2] - reference[:, 0]
    rh = reference[:, 3] - reference[:, 1]
    rx = reference[:, 0] + 0.5 * rw
    ry = reference[:, 1] + 0.5 * rh
    bw = boxes[:, 2] - boxes[:, 0]
    bh = boxes[:, 3] - boxes[:, 1]
    bx = boxes[:, 0] + 0.5 * bw
    by = boxes[:, 1] + 0.5 * bh
    return np.stack([(bx - rx) / rw, (by - ry) / rh,
                     np.log(bw / rw), np.log(bh / rh)], 1).astype(np.float32)


def decode(deltas, reference):
    rw = reference[:, 2] - reference[:, 0]
    rh = reference[:, 3] - reference[:, 1]
    rx = reference[:, 0] + 0.5 * rw
    ry = reference[:, 1] + 0.5 * rh
    dw = np.minimum(deltas[:, 2], np.log(1000.0 / 16))
    dh = np.minimum(deltas[:, 3], np.log(1000.0 / 16))
    cx = deltas[:, 0] * rw + rx
    cy = deltas[:, 1] * rh + ry
    w = np.exp(dw) * rw
    h = np.exp(dh) * rh
    return np.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], 1)


def clip_boxes(boxes, size):
    return np.clip(boxes, 0, size)


def nms(boxes, scores, threshold):
    """Greedy non-maximum suppression, indices of the kept boxes by score."""
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    order = scores.argsort(kind="stable")[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        iou = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[1:][iou <= threshold]
    return np.array(keep, dtype=np.int64)


def sample(rng, positive, negative, batch, fraction):
    """Indices of sampled positives and negatives, like the
    BalancedPositiveNegativeSampler, drawn with a NumPy generator."""
    num_pos = min(int(batch * fraction), positive.size)
    num_neg = min(batch - num_pos, negative.size)
    pos = rng.permutation(positive)[:num_pos]
    neg = rng.permutation(negative)[:num_neg]
    return pos, neg


# ----------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------

class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 48, 3, padding=1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.relu(self.conv3(x))


class RPNHead(nn.Module):
    def __init__(self, channels, num_anchors):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.cls_logits = nn.Conv2d(channels, num_anchors, 1)
        self.bbox_pred = nn.Conv2d(channels, num_anchors * 4, 1)

    def forward(self, x):
        t = F.relu(self.conv(x))
        n = x.shape[0]
        # (N, A, H, W) -> (N, H*W*A), cell-major like the anchors
        logits = self.cls_logits(t).permute(0, 2, 3, 1).reshape(n, -1)
        deltas = self.bbox_pred(t).permute(0, 2, 3, 1).reshape(n, -1, 4)
        return logits, deltas


class BoxHead(nn.Module):
    def __init__(self, channels, hidden=128):
        super().__init__()
        self.fc6 = nn.Linear(channels * POOL * POOL, hidden)
        self.fc7 = nn.Linear(hidden, hidden)
        self.cls_score = nn.Linear(hidden, NUM_CLASSES + 1)
        self.bbox_pred = nn.Linear(hidden, (NUM_CLASSES + 1) * 4)

    def forward(self, pooled):
        x = pooled.flatten(1)
        x = F.relu(self.fc6(x))
        x = F.relu(self.fc7(x))
        return self.cls_score(x), self.bbox_pred(x)


class FasterRCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.rpn = RPNHead(48, len(ANCHOR_SIZES) * len(ANCHOR_RATIOS))
        self.box_head = BoxHead(48)
        self.anchors = None

    def get_anchors(self, features):
        if self.anchors is None:
            self.anchors = make_anchors(*features.shape[-2:])
        return self.anchors

    def propose(self, logits, deltas, anchors):
        """NumPy proposal layer for one image: decode, clip, top-k, NMS."""
        scores = logits.detach().numpy()
        boxes = decode(deltas.detach().numpy(), anchors)
        boxes = clip_boxes(boxes, IMAGE)
        wide = ((boxes[:, 2] - boxes[:, 0]) >= 2) & ((boxes[:, 3] - boxes[:, 1]) >= 2)
        candidates = np.nonzero(wide)[0]
        order = candidates[scores[candidates].argsort(kind="stable")[::-1]]
        order = order[:PRE_NMS_TOP_N]
        keep = nms(boxes[order], scores[order], 0.7)[:POST_NMS_TOP_N]
        return boxes[order[keep]], order[keep]

    def roi_pool(self, features, rois):
        """Max-pools each RoI of one image to POOL x POOL: crop by integer
        slicing of the feature map, adaptive max pooling, stack."""
        height, width = features.shape[-2:]
        pooled = []
        for x1, y1, x2, y2 in rois.tolist():
            c0 = min(int(np.floor(x1 / STRIDE)), width - 1)
            r0 = min(int(np.floor(y1 / STRIDE)), height - 1)
            c1 = max(int(np.ceil(x2 / STRIDE)), c0 + 1)
            r1 = max(int(np.ceil(y2 / STRIDE)), r0 + 1)
            crop = features[:, r0:r1, c0:c1]
            pooled.append(F.adaptive_max_pool2d(crop, (POOL, POOL)))
        return torch.stack(pooled)


def rpn_targets(rng, anchors, gt_boxes):
    """Anchor labels (1, 0, -1 ignore) and box targets for one image."""
    iou = box_iou(anchors, gt_boxes)
    best_gt = iou.argmax(1)
    best_iou = iou.max(1)
    labels = np.full(len(anchors), -1, dtype=np.int64)
    labels[best_iou < 0.3] = 0
    labels[best_iou >= 0.6] = 1
    # every ground-truth box gets its best anchor(s)
    for g in range(len(gt_boxes)):
        labels[np.nonzero(iou[:, g] == iou[:, g].max())[0]] = 1
    pos, neg = sample(rng, np.nonzero(labels == 1)[0], np.nonzero(labels == 0)[0],
                      RPN_BATCH, 0.5)
    targets = encode(gt_boxes[best_gt[pos]], anchors[pos])
    return pos, neg, targets


def roi_targets(rng, proposals, gt_boxes, gt_labels):
    """Sampled RoIs (proposals plus ground truth, foreground first), their
    class labels and the box targets of the foreground ones, for one
    image."""
    rois = np.concatenate([proposals, gt_boxes]).astype(np.float32)
    iou = box_iou(rois, gt_boxes)
    best_gt = iou.argmax(1)
    best_iou = iou.max(1)
    pos, neg = sample(rng, np.nonzero(best_iou >= 0.5)[0],
                      np.nonzero(best_iou < 0.5)[0], ROI_BATCH, 0.25)
    keep = np.concatenate([pos, neg])
    labels = gt_labels[best_gt[keep]].astype(np.int64)
    labels[len(pos):] = 0
    targets = encode(gt_boxes[best_gt[pos]], rois[pos])
    return rois[keep], labels, targets


def train_step(model, images, gt, rng):
    features = model.backbone(images)
    logits, deltas = model.rpn(features)
    anchors = model.get_anchors(features)

    rpn_cls, rpn_box, roi_cls, roi_box = [], [], [], []
    pooled, labels, box_targets = [], [], []
    for b, (gt_boxes, gt_labels) in enumerate(gt):
        # RPN losses on sampled anchors
        pos, neg, targets = rpn_targets(rng, anchors, gt_boxes)
        sampled = torch.from_numpy(np.concatenate([pos, neg]))
        objectness = torch.from_numpy(
            np.concatenate([np.ones(len(pos)), np.zeros(len(neg))]).astype(np.float32))
        rpn_cls.append(F.binary_cross_entropy_with_logits(
            logits[b][sampled], objectness))
        rpn_box.append(F.smooth_l1_loss(
            deltas[b][torch.from_numpy(pos)], torch.from_numpy(targets),
            beta=1.0 / 9, reduction="sum") / len(sampled))

        # proposals (NumPy NMS) -> sampled RoIs -> pooled features
        proposals, _ = model.propose(logits[b], deltas[b], anchors)
        rois, roi_labels, targets = roi_targets(rng, proposals, gt_boxes, gt_labels)
        pooled.append(model.roi_pool(features[b], rois))
        labels.append(roi_labels)
        box_targets.append(targets)

    class_logits, box_deltas = model.box_head(torch.cat(pooled))
    labels = np.concatenate(labels)
    fg = torch.from_numpy(np.flatnonzero(labels > 0))
    labels = torch.from_numpy(labels)
    roi_cls = F.cross_entropy(class_logits, labels)
    # the ground-truth class's deltas of each foreground RoI, as torchvision
    # picks them: box_regression[sampled_pos_inds_subset, labels_pos]
    box_deltas = box_deltas.reshape(len(labels), NUM_CLASSES + 1, 4)
    roi_box = F.smooth_l1_loss(
        box_deltas[fg, labels[fg]], torch.from_numpy(np.concatenate(box_targets)),
        beta=1.0, reduction="sum") / len(labels)

    losses = {
        "rpn_cls": sum(rpn_cls) / len(gt),
        "rpn_box": sum(rpn_box) / len(gt),
        "roi_cls": roi_cls,
        "roi_box": roi_box,
    }
    return losses, len(labels)


@torch.no_grad()
def detect(model, image):
    """Inference on one image: proposals, box head, per-class NMS."""
    features = model.backbone(image[None])
    logits, deltas = model.rpn(features)
    anchors = model.get_anchors(features)
    proposals, proposal_index = model.propose(logits[0], deltas[0], anchors)
    class_logits, box_deltas = model.box_head(model.roi_pool(features[0], proposals))
    probs = F.softmax(class_logits, -1).numpy()
    box_deltas = box_deltas.reshape(len(proposals), NUM_CLASSES + 1, 4).numpy()
    detections = []
    for c in range(1, NUM_CLASSES + 1):
        boxes = clip_boxes(decode(box_deltas[:, c], proposals), IMAGE)
        scores = probs[:, c]
        keep = np.nonzero(scores > 0.05)[0]
        for k in nms(boxes[keep], scores[keep], 0.5):
            detections.append((int(c), int(proposal_index[keep[k]])))
    return proposal_index.tolist(), detections


def main():
    n_warmup, n_steps = warmup(5), steps(30)
    data_rng = np.random.default_rng(0)
    sample_rng = np.random.default_rng(1)

    model = FasterRCNN()
    init_parameters(model, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                                weight_decay=1e-4)

    log = StepLog("faster_rcnn", n_warmup)
    rois_per_step = []
    for i in range(n_warmup + n_steps):
        batch = [make_image(data_rng) for _ in range(BATCH)]
        images = torch.from_numpy(np.stack([image for image, _, _ in batch]))
        gt = [(boxes, labels) for _, boxes, labels in batch]

        losses, num_rois = train_step(model, images, gt, sample_rng)
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        loss = loss.item()
        parts = {name: value.item() for name, value in losses.items()}
        log.step(loss)
        rois_per_step.append(num_rois)
        if i % 10 == 0:
            print(f"step {i:3d} loss {loss:.4f} " +
                  " ".join(f"{name} {value:.4f}" for name, value in parts.items()))

    model.eval()
    test_image, _, _ = make_image(data_rng)
    proposals, detections = detect(model, torch.from_numpy(test_image))
    print(f"test image: {len(proposals)} proposals, {len(detections)} detections")
    log.record(rois_per_step=rois_per_step, proposals=proposals,
               detections=[list(d) for d in detections])
    log.finish()


if __name__ == "__main__":
    main()
