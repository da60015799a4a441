"""YOLOv3 (Redmon & Farhadi, 2018), the "YOLOv3" program of the paper's
suite, at a small size (two heads, as YOLOv3-tiny has): 64x64 synthetic images
with filled rectangles of three classes, a darknet-style backbone (Conv2d +
BatchNorm2d + activation blocks, stride-2 convolutions for downsampling and
darknet-53 residual units), two detection heads (4x4 at stride 16 and 8x8 at
stride 8, joined by a 1x1 conv, nearest upsampling and a concatenation
route), three anchors per head, written the way the popular PyTorch ports
(eriklindernoren/PyTorch-YOLOv3) write it. Gradients are clipped to norm 10
before the SGD step.

Activation: SiLU (as the YOLOv5 family uses in the same darknet blocks)
instead of darknet's LeakyReLU(0.1). With LeakyReLU this small detector
trains chaotically: its kinks make the gradient jump when a float32
rounding difference moves a pre-activation across zero, and a 1e-7
difference between two PyTorch runs (or PyTorch and any other backend)
grows to ~3e-2 in the loss within 35 steps, even with clipping, so no
backend comparison at 1e-3 would be meaningful. With SiLU it stays ~1e-5.

Python features kept:
* target assignment in NumPy per batch: each ground-truth box goes to the
  anchor with the best width/height IoU, hence to one head, grid cell and
  anchor, with Python loops over boxes; target and mask arrays are turned
  into tensors with ``torch.from_numpy``;
* the "ignore" mask needs the current predictions: the decoded boxes leave
  the graph in the middle of the step (``.detach().numpy()``) and NumPy
  IoU against the ground truth marks anchors that are not penalised as
  background;
* a Python loop over the heads, boolean-mask indexing of the predictions
  (``x[obj_mask]``) whose number of selected cells depends on the data, and
  masked losses: MSE on the box terms, BCE-with-logits on objectness and
  classes;
* residual units (``x + f(x)``) and the route concatenation;
* a ``.item()`` per loss term for the log, and an inference pass at the end
  with NumPy decoding, score threshold and per-class NMS.

log.step gets the total loss (box + objectness + class, both heads).
log.record gets the final detections (class, head, cell index).

Tolerance: 1e-3 relative. Convolutions and BatchNorm reductions differ by
float32 reassociation (~1e-7 relative); with SiLU, clipping and SGD at lr
1e-3 the training does not amplify it much (~1e-5 over the default steps).
A flip of the ignore threshold (IoU of a prediction within ~1e-7 of 0.5)
changes the objectness mean by one element of ~2000, well below 1e-3; the
number of ignored anchors is printed, not recorded, for that reason.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import StepLog, init_parameters, steps, warmup

IMAGE = 64
NUM_CLASSES = 3
BATCH = 8
# (w, h) in pixels; the first three for the coarse head, the last three
# for the fine head, as in yolov3-tiny.cfg's mask = 3,4,5 / 0,1,2.
ANCHORS = np.array([[10, 14], [23, 27], [37, 58],
                    [81, 82], [135, 169], [344, 319]], dtype=np.float32) / 6.0
HEAD_ANCHORS = [[3, 4, 5], [0, 1, 2]]
IGNORE_THRESHOLD = 0.5
OBJ_SCALE, NOOBJ_SCALE = 1.0, 1.0

COLOURS = np.array([[1.0, 0.2, 0.2], [0.2, 1.0, 0.2], [0.3, 0.3, 1.0]],
                   dtype=np.float32)


def make_image(rng):
    """One image with 1-3 filled rectangles; targets (class, cx, cy, w, h)
    in pixels."""
    image = rng.normal(0.0, 0.05, (3, IMAGE, IMAGE)).astype(np.float32)
    targets = []
    for _ in range(rng.integers(1, 4)):
        w, h = rng.integers(6, 40, 2)
        x1 = rng.integers(0, IMAGE - w)
        y1 = rng.integers(0, IMAGE - h)
        label = rng.integers(0, NUM_CLASSES)
        image[:, y1:y1 + h, x1:x1 + w] += COLOURS[label][:, None, None]
        targets.append([label, x1 + w / 2, y1 + h / 2, w, h])
    return image, np.array(targets, dtype=np.float32)


# ----------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------

def conv_block(cin, cout, kernel, stride=1):
    """darknet's [convolutional] with batch_normalize=1 (SiLU, see above)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.SiLU(),
    )


class Residual(nn.Module):
    """darknet-53's residual unit: 1x1 squeeze, 3x3 expand, [shortcut]."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = conv_block(channels, channels // 2, 1)
        self.conv2 = conv_block(channels // 2, channels, 3)

    def forward(self, x):
        return x + self.conv2(self.conv1(x))


class YOLOLayer(nn.Module):
    """Reshapes a head's output to (N, A, H, W, 5 + C) and decodes boxes."""

    def __init__(self, anchors, stride):
        super().__init__()
        self.anchors = anchors            # NumPy (A, 2), pixels
        self.stride = stride

    def forward(self, x):
        n, _, h, w = x.shape
        a = len(self.anchors)
        return x.view(n, a, 5 + NUM_CLASSES, h, w).permute(0, 1, 3, 4, 2).contiguous()

    def decode(self, p):
        """Boxes (cx, cy, w, h) in pixels of raw predictions (N, A, H, W, 5+C),
        as a NumPy array: the grid offsets and anchors are NumPy constants."""
        p = p.detach().numpy()
        _, _, h, w, _ = p.shape
        gy, gx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        sig = 1.0 / (1.0 + np.exp(-p[..., :2]))
        cx = (sig[..., 0] + gx) * self.stride
        cy = (sig[..., 1] + gy) * self.stride
        bw = np.exp(np.minimum(p[..., 2], 8.0)) * self.anchors[None, :, 0, None, None]
        bh = np.exp(np.minimum(p[..., 3], 8.0)) * self.anchors[None, :, 1, None, None]
        return np.stack([cx, cy, bw, bh], -1)


class YOLOv3(nn.Module):
    def __init__(self):
        super().__init__()
        out = len(HEAD_ANCHORS[0]) * (5 + NUM_CLASSES)
        self.stage1 = nn.Sequential(
            conv_block(3, 8, 3),
            conv_block(8, 16, 3, 2), Residual(16),      # 32 x 32
            conv_block(16, 32, 3, 2), Residual(32),     # 16 x 16
            conv_block(32, 64, 3, 2), Residual(64),     # 8 x 8: route, stride 8
        )
        self.stage2 = nn.Sequential(
            conv_block(64, 128, 3, 2), Residual(128),   # 4 x 4, stride 16
            conv_block(128, 64, 1),
        )
        self.head1 = nn.Sequential(conv_block(64, 128, 3), nn.Conv2d(128, out, 1))
        self.lateral = conv_block(64, 32, 1)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.head2 = nn.Sequential(conv_block(32 + 64, 64, 3), nn.Conv2d(64, out, 1))
        self.yolo = nn.ModuleList([
            YOLOLayer(ANCHORS[HEAD_ANCHORS[0]], 16),
            YOLOLayer(ANCHORS[HEAD_ANCHORS[1]], 8),
        ])

    def forward(self, x):
        route = self.stage1(x)
        x = self.stage2(route)
        out1 = self.head1(x)
        x = self.upsample(self.lateral(x))
        out2 = self.head2(torch.cat([x, route], 1))
        return [yolo(out) for yolo, out in zip(self.yolo, [out1, out2])]


# ----------------------------------------------------------------------------
# Targets and loss
# ----------------------------------------------------------------------------

def wh_iou(anchor, wh):
    inter = np.minimum(anchor[:, 0], wh[0]) * np.minimum(anchor[:, 1], wh[1])
    return inter / (anchor[:, 0] * anchor[:, 1] + wh[0] * wh[1] - inter)


def box_iou_cxcywh(a, b):
    """IoU of boxes a (..., 4) against b (M, 4), both (cx, cy, w, h)."""
    a1, a2 = a[..., None, :2] - a[..., None, 2:] / 2, a[..., None, :2] + a[..., None, 2:] / 2
    b1, b2 = b[:, :2] - b[:, 2:] / 2, b[:, :2] + b[:, 2:] / 2
    wh = np.clip(np.minimum(a2, b2) - np.maximum(a1, b1), 0, None)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (a[..., None, 2] * a[..., None, 3] + b[:, 2] * b[:, 3] - inter)


def build_targets(predictions, model, batch_targets):
    """Per head: obj/noobj masks, box and class targets, in NumPy, from the
    ground truth of the batch and the current (detached) predictions."""
    heads = []
    for yolo, p in zip(model.yolo, predictions):
        n, a, h, w, _ = p.shape
        heads.append({
            "obj": np.zeros((n, a, h, w), dtype=bool),
            "noobj": np.ones((n, a, h, w), dtype=bool),
            "box": np.zeros((n, a, h, w, 4), dtype=np.float32),
            "cls": np.zeros((n, a, h, w, NUM_CLASSES), dtype=np.float32),
            "pred_boxes": yolo.decode(p),
        })
    ignored = 0
    for b, targets in enumerate(batch_targets):
        # anchors whose prediction already overlaps a ground-truth box are
        # not pushed towards "no object"
        for head in heads:
            iou = box_iou_cxcywh(head["pred_boxes"][b], targets[:, 1:])
            ignore = iou.max(-1) > IGNORE_THRESHOLD
            ignored += int(ignore.sum())
            head["noobj"][b][ignore] = False
        for label, cx, cy, bw, bh in targets:
            best = int(wh_iou(ANCHORS, np.array([bw, bh])).argmax())
            for k, (yolo, head) in enumerate(zip(model.yolo, heads)):
                if best not in HEAD_ANCHORS[k]:
                    continue
                anchor = HEAD_ANCHORS[k].index(best)
                gx, gy = cx / yolo.stride, cy / yolo.stride
                gi, gj = int(gx), int(gy)
                head["obj"][b, anchor, gj, gi] = True
                head["noobj"][b, anchor, gj, gi] = False
                aw, ah = yolo.anchors[anchor]
                head["box"][b, anchor, gj, gi] = [
                    gx - gi, gy - gj, np.log(bw / aw + 1e-16), np.log(bh / ah + 1e-16)]
                head["cls"][b, anchor, gj, gi, int(label)] = 1.0
    return heads, ignored


def yolo_loss(predictions, heads):
    terms = {"box": 0.0, "obj": 0.0, "cls": 0.0}
    for p, head in zip(predictions, heads):
        obj_mask = torch.from_numpy(head["obj"])
        noobj_mask = torch.from_numpy(head["noobj"])
        tbox = torch.from_numpy(head["box"])
        tcls = torch.from_numpy(head["cls"])

        x = torch.sigmoid(p[..., 0])
        y = torch.sigmoid(p[..., 1])
        w, h = p[..., 2], p[..., 3]
        conf, cls = p[..., 4], p[..., 5:]

        if obj_mask.any():
            terms["box"] = terms["box"] + (
                F.mse_loss(x[obj_mask], tbox[..., 0][obj_mask])
                + F.mse_loss(y[obj_mask], tbox[..., 1][obj_mask])
                + F.mse_loss(w[obj_mask], tbox[..., 2][obj_mask])
                + F.mse_loss(h[obj_mask], tbox[..., 3][obj_mask]))
            terms["cls"] = terms["cls"] + F.binary_cross_entropy_with_logits(
                cls[obj_mask], tcls[obj_mask])
            loss_obj = F.binary_cross_entropy_with_logits(
                conf[obj_mask], torch.ones_like(conf[obj_mask]))
        else:
            loss_obj = 0.0
        loss_noobj = F.binary_cross_entropy_with_logits(
            conf[noobj_mask], torch.zeros_like(conf[noobj_mask]))
        terms["obj"] = terms["obj"] + OBJ_SCALE * loss_obj + NOOBJ_SCALE * loss_noobj
    return terms


# ----------------------------------------------------------------------------
# Inference
# ----------------------------------------------------------------------------

def nms(boxes, scores, threshold):
    """Greedy NMS on (cx, cy, w, h) boxes; indices kept, by score."""
    order = scores.argsort(kind="stable")[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(int(i))
        if order.size == 1:
            break
        iou = box_iou_cxcywh(boxes[i], boxes[order[1:]])
        order = order[1:][iou <= threshold]
    return keep


@torch.no_grad()
def detect(model, image, conf_threshold=0.3):
    predictions = model(image[None])
    found = []
    for k, (yolo, p) in enumerate(zip(model.yolo, predictions)):
        boxes = yolo.decode(p)[0].reshape(-1, 4)
        raw = p[0].numpy()
        a, h, w, _ = raw.shape
        conf = 1.0 / (1.0 + np.exp(-raw[..., 4].reshape(-1)))
        probs = 1.0 / (1.0 + np.exp(-raw[..., 5:].reshape(-1, NUM_CLASSES)))
        labels = probs.argmax(1)
        scores = conf * probs.max(1)
        for index in np.nonzero(scores > conf_threshold)[0]:
            found.append((scores[index], int(labels[index]), k, int(index), boxes[index]))
    detections = []
    for c in range(NUM_CLASSES):
        mine = [f for f in found if f[1] == c]
        if not mine:
            continue
        boxes = np.stack([f[4] for f in mine])
        scores = np.array([f[0] for f in mine])
        for i in nms(boxes, scores, 0.4):
            detections.append([c, mine[i][2], mine[i][3]])
    return detections


def main():
    n_warmup, n_steps = warmup(5), steps(30)
    data_rng = np.random.default_rng(0)

    model = YOLOv3()
    init_parameters(model, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9,
                                weight_decay=5e-4)

    log = StepLog("yolov3", n_warmup)
    for i in range(n_warmup + n_steps):
        batch = [make_image(data_rng) for _ in range(BATCH)]
        images = torch.from_numpy(np.stack([image for image, _ in batch]))
        batch_targets = [targets for _, targets in batch]

        predictions = model(images)
        heads, ignored = build_targets(predictions, model, batch_targets)
        terms = yolo_loss(predictions, heads)
        loss = terms["box"] + terms["obj"] + terms["cls"]

        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
        optimizer.step()

        loss = loss.item()
        log.step(loss)
        if i % 10 == 0:
            print(f"step {i:3d} loss {loss:.4f} box {terms['box'].item():.4f} "
                  f"obj {terms['obj'].item():.4f} cls {terms['cls'].item():.4f} "
                  f"ignored {ignored}")

    model.eval()
    test_image, test_targets = make_image(data_rng)
    detections = detect(model, torch.from_numpy(test_image))
    print(f"test image: {len(test_targets)} objects, {len(detections)} detections")
    log.record(detections=detections)
    log.finish()


if __name__ == "__main__":
    main()
