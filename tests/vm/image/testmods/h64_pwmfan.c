// SPDX-License-Identifier: GPL-2.0
/*
 * h64_pwmfan: two fans shaped like the Helios64's, for the test VM.
 *
 * The guest has no PWM controller, so the kernel's pwm-fan cannot run.
 * This module registers a platform driver named "pwm-fan" and the two
 * platform devices the Armbian device tree creates, "p6-fan" and
 * "p7-fan", each with an hwmon device named "pwmfan" whose pwm1 (0-255)
 * and pwm1_enable (0-3) behave as pwm-fan's attributes do: values out of
 * range are -EINVAL, every value reads back. Unbinding a device
 * (echo p6-fan > /sys/bus/platform/drivers/pwm-fan/unbind) removes its
 * hwmon device, as a real unbind does.
 *
 * Part of helios64's test bed (tests/vm); not for real hardware.
 */
#include <linux/err.h>
#include <linux/hwmon.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>

struct h64_fan {
	u8 pwm;
	u8 enable;
};

static umode_t h64_fan_is_visible(const void *data, enum hwmon_sensor_types type,
				  u32 attr, int channel)
{
	if (type == hwmon_pwm && (attr == hwmon_pwm_input || attr == hwmon_pwm_enable))
		return 0644;
	return 0;
}

static int h64_fan_read(struct device *dev, enum hwmon_sensor_types type, u32 attr,
			int channel, long *val)
{
	struct h64_fan *fan = dev_get_drvdata(dev);

	switch (attr) {
	case hwmon_pwm_input:
		*val = fan->pwm;
		return 0;
	case hwmon_pwm_enable:
		*val = fan->enable;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int h64_fan_write(struct device *dev, enum hwmon_sensor_types type, u32 attr,
			 int channel, long val)
{
	struct h64_fan *fan = dev_get_drvdata(dev);

	switch (attr) {
	case hwmon_pwm_input:
		if (val < 0 || val > 255)
			return -EINVAL;
		fan->pwm = val;
		return 0;
	case hwmon_pwm_enable:
		if (val < 0 || val > 3)
			return -EINVAL;
		fan->enable = val;
		return 0;
	}
	return -EOPNOTSUPP;
}

static const struct hwmon_ops h64_fan_ops = {
	.is_visible = h64_fan_is_visible,
	.read = h64_fan_read,
	.write = h64_fan_write,
};

static const struct hwmon_channel_info *const h64_fan_info[] = {
	HWMON_CHANNEL_INFO(pwm, HWMON_PWM_INPUT | HWMON_PWM_ENABLE),
	NULL
};

static const struct hwmon_chip_info h64_fan_chip = {
	.ops = &h64_fan_ops,
	.info = h64_fan_info,
};

static int h64_fan_probe(struct platform_device *pdev)
{
	struct h64_fan *fan;
	struct device *hwmon;

	fan = devm_kzalloc(&pdev->dev, sizeof(*fan), GFP_KERNEL);
	if (!fan)
		return -ENOMEM;
	/* pwm-fan starts at full speed until someone sets a duty. */
	fan->pwm = 255;
	fan->enable = 1;
	hwmon = devm_hwmon_device_register_with_info(&pdev->dev, "pwmfan", fan,
						     &h64_fan_chip, NULL);
	return PTR_ERR_OR_ZERO(hwmon);
}

static const struct platform_device_id h64_fan_ids[] = {
	{ .name = "p6-fan" },
	{ .name = "p7-fan" },
	{ }
};
MODULE_DEVICE_TABLE(platform, h64_fan_ids);

static struct platform_driver h64_fan_driver = {
	.probe = h64_fan_probe,
	.id_table = h64_fan_ids,
	.driver = { .name = "pwm-fan" },
};

static struct platform_device *h64_fans[2];

static int __init h64_fan_init(void)
{
	int err = platform_driver_register(&h64_fan_driver);

	if (err)
		return err;
	h64_fans[0] = platform_device_register_simple("p6-fan", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(h64_fans[0])) {
		err = PTR_ERR(h64_fans[0]);
		goto out_driver;
	}
	h64_fans[1] = platform_device_register_simple("p7-fan", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(h64_fans[1])) {
		err = PTR_ERR(h64_fans[1]);
		goto out_p6;
	}
	return 0;
out_p6:
	platform_device_unregister(h64_fans[0]);
out_driver:
	platform_driver_unregister(&h64_fan_driver);
	return err;
}

static void __exit h64_fan_exit(void)
{
	platform_device_unregister(h64_fans[1]);
	platform_device_unregister(h64_fans[0]);
	platform_driver_unregister(&h64_fan_driver);
}

module_init(h64_fan_init);
module_exit(h64_fan_exit);
MODULE_DESCRIPTION("helios64 test bed: two pwm-fan shaped hwmon fans");
MODULE_LICENSE("GPL");
