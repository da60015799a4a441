//===- Shape.h - A tensor's sizes or strides, stored in place -----*- C++
//-*-===//
//
// Every tensor carries two of these, and every op makes at least one
// tensor: with std::vector each op paid two heap allocations and two frees
// for them, a tenth of the Python thread's instructions on a small op (the
// frees, on the other thread, of tensors handed to the runner cost more).
// Up to kInline dimensions live in the object; more go to the heap. The
// interface is std::vector's, so code reads the same either way.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_SHAPE_H
#define TERRA_RUNTIME_SHAPE_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <vector>

namespace terra {

class Shape {
public:
  using value_type = int64_t;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = int64_t &;
  using const_reference = const int64_t &;
  using pointer = int64_t *;
  using const_pointer = const int64_t *;
  using iterator = int64_t *;
  using const_iterator = const int64_t *;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  /// Dimensions stored without a heap allocation (nearly every tensor).
  static constexpr size_t kInline = 6;

  Shape() noexcept = default;
  explicit Shape(size_t count, int64_t value = 0) { assign(count, value); }
  Shape(std::initializer_list<int64_t> values) {
    assign(values.begin(), values.end());
  }
  template <typename Iterator,
            typename = std::enable_if_t<!std::is_integral_v<Iterator>>>
  Shape(Iterator first, Iterator last) {
    assign(first, last);
  }
  /*implicit*/ Shape(const std::vector<int64_t> &values) {
    assign(values.begin(), values.end());
  }
  Shape(const Shape &other) { assign(other.begin(), other.end()); }
  Shape(Shape &&other) noexcept { takeFrom(other); }
  ~Shape() { releaseHeap(); }

  Shape &operator=(const Shape &other) {
    if (this != &other)
      assign(other.begin(), other.end());
    return *this;
  }
  Shape &operator=(Shape &&other) noexcept {
    if (this != &other) {
      releaseHeap();
      takeFrom(other);
    }
    return *this;
  }
  Shape &operator=(std::initializer_list<int64_t> values) {
    assign(values.begin(), values.end());
    return *this;
  }

  /// For the interfaces that take a std::vector (attributes, NumPy).
  /*implicit*/ operator std::vector<int64_t>() const {
    return {begin(), end()};
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  int64_t *data() { return data_; }
  const int64_t *data() const { return data_; }

  iterator begin() { return data_; }
  iterator end() { return data_ + size_; }
  const_iterator begin() const { return data_; }
  const_iterator end() const { return data_ + size_; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const {
    return const_reverse_iterator(end());
  }
  const_reverse_iterator rend() const {
    return const_reverse_iterator(begin());
  }

  int64_t &operator[](size_t index) { return data_[index]; }
  const int64_t &operator[](size_t index) const { return data_[index]; }
  int64_t &front() { return data_[0]; }
  const int64_t &front() const { return data_[0]; }
  int64_t &back() { return data_[size_ - 1]; }
  const int64_t &back() const { return data_[size_ - 1]; }

  void reserve(size_t count) {
    if (count > capacity_)
      grow(count);
  }
  void clear() { size_ = 0; }
  void resize(size_t count, int64_t value = 0) {
    reserve(count);
    if (count > size_)
      std::fill(data_ + size_, data_ + count, value);
    size_ = count;
  }
  void push_back(int64_t value) {
    if (size_ == capacity_)
      grow(2 * capacity_);
    data_[size_++] = value;
  }
  int64_t &emplace_back(int64_t value) {
    push_back(value);
    return back();
  }
  void pop_back() { --size_; }

  void assign(size_t count, int64_t value) {
    size_ = 0;
    resize(count, value);
  }
  template <typename Iterator> void assign(Iterator first, Iterator last) {
    size_t count = size_t(std::distance(first, last));
    if (count > capacity_) {
      // Copied before the old buffer goes: the range may lie in it.
      int64_t *fresh = new int64_t[count];
      std::copy(first, last, fresh);
      releaseHeap();
      data_ = fresh;
      capacity_ = count;
    } else {
      // Forward copy: a range inside this shape starts at or after data_.
      int64_t *out = data_;
      for (; first != last; ++first)
        *out++ = int64_t(*first);
    }
    size_ = count;
  }
  void assign(std::initializer_list<int64_t> values) {
    assign(values.begin(), values.end());
  }

  iterator insert(const_iterator position, int64_t value) {
    return insert(position, size_t(1), value);
  }
  iterator insert(const_iterator position, size_t count, int64_t value) {
    size_t index = size_t(position - data_);
    openGap(index, count);
    std::fill(data_ + index, data_ + index + count, value);
    return data_ + index;
  }
  template <typename Iterator,
            typename = std::enable_if_t<!std::is_integral_v<Iterator>>>
  iterator insert(const_iterator position, Iterator first, Iterator last) {
    // A copy first: the range may lie in this shape.
    Shape values(first, last);
    size_t index = size_t(position - data_);
    openGap(index, values.size());
    std::copy(values.begin(), values.end(), data_ + index);
    return data_ + index;
  }
  iterator insert(const_iterator position,
                  std::initializer_list<int64_t> values) {
    return insert(position, values.begin(), values.end());
  }
  iterator erase(const_iterator position) {
    return erase(position, position + 1);
  }
  iterator erase(const_iterator first, const_iterator last) {
    size_t index = size_t(first - data_);
    size_t count = size_t(last - first);
    std::copy(data_ + index + count, data_ + size_, data_ + index);
    size_ -= count;
    return data_ + index;
  }

  friend bool operator==(const Shape &a, const Shape &b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Shape &a, const Shape &b) { return !(a == b); }
  friend bool operator<(const Shape &a, const Shape &b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

private:
  bool onHeap() const { return data_ != inline_; }
  void releaseHeap() {
    if (onHeap())
      delete[] data_;
    data_ = inline_;
    capacity_ = kInline;
  }
  void takeFrom(Shape &other) noexcept {
    size_ = other.size_;
    if (other.onHeap()) {
      data_ = other.data_;
      capacity_ = other.capacity_;
      other.data_ = other.inline_;
      other.capacity_ = kInline;
    } else {
      std::copy(other.begin(), other.end(), inline_);
    }
    other.size_ = 0;
  }
  void grow(size_t count) {
    count = std::max(count, 2 * kInline);
    int64_t *fresh = new int64_t[count];
    std::copy(begin(), end(), fresh);
    size_t size = size_;
    releaseHeap();
    data_ = fresh;
    capacity_ = count;
    size_ = size;
  }
  /// Moves the elements from `index` on `count` places to the right.
  void openGap(size_t index, size_t count) {
    reserve(size_ + count);
    std::copy_backward(data_ + index, data_ + size_, data_ + size_ + count);
    size_ += count;
  }

  int64_t *data_ = inline_;
  size_t size_ = 0;
  size_t capacity_ = kInline;
  int64_t inline_[kInline];
};

} // namespace terra

#endif // TERRA_RUNTIME_SHAPE_H
